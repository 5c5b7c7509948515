import GoText

/// The body of `/api/put` as Go's `encoding/json` decodes it into 1.x's `point` struct: one
/// object or an array of them; keys matched ignoring case, unknown keys skipped, `null`
/// leaving a field as it is, any type mismatch failing the whole body. Only the first JSON
/// value is read; what follows it is ignored, as Go's `Decoder.Decode` ignores it.
public enum PutJSON {
    /// One decoded data point.
    public struct DataPoint: Sendable, Equatable {
        public var metric: [UInt8] = []
        public var timestamp: Int64 = 0
        public var value: Double = 0
        /// Unique keys, in the order first seen; `null` values decode as empty.
        public var tags: [([UInt8], [UInt8])] = []

        public static func == (a: DataPoint, b: DataPoint) -> Bool {
            a.metric == b.metric && a.timestamp == b.timestamp && a.value == b.value
                && a.tags.elementsEqual(b.tags) { $0.0 == $1.0 && $0.1 == $1.1 }
        }
    }

    struct Failure: Error {}

    /// Go's nesting limit.
    static let maxDepth = 10000

    /// Decodes `bytes`, whose first byte is `[` (`array`) or `{`; nil when Go's decoder fails.
    public static func decode(_ bytes: UnsafeRawBufferPointer, array: Bool) -> [DataPoint]? {
        var reader = Reader(bytes: bytes)
        do throws(Failure) {
            if array {
                var points: [DataPoint] = []
                var typeError = false
                try reader.expect(UInt8(ascii: "["))
                reader.skipSpace()
                if try reader.peek() == UInt8(ascii: "]") {
                    reader.i += 1
                    return points
                }
                while true {
                    reader.skipSpace()
                    switch try reader.peek() {
                    case UInt8(ascii: "{"):
                        var p = DataPoint()
                        if !(try reader.object(into: &p)) { typeError = true }
                        points.append(p)
                    case UInt8(ascii: "n"):
                        try reader.literal("null")
                        points.append(DataPoint())
                    default:
                        try reader.skipValue()
                        typeError = true
                        points.append(DataPoint())
                    }
                    reader.skipSpace()
                    let c = try reader.next()
                    if c == UInt8(ascii: "]") { break }
                    guard c == UInt8(ascii: ",") else { throw Failure() }
                }
                return typeError ? nil : points
            }
            var p = DataPoint()
            return try reader.object(into: &p) ? [p] : nil
        } catch {
            return nil
        }
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        }

        func peek() throws(Failure) -> UInt8 {
            guard i < bytes.count else { throw Failure() }
            return bytes[i]
        }

        mutating func next() throws(Failure) -> UInt8 {
            let c = try peek()
            i += 1
            return c
        }

        mutating func expect(_ c: UInt8) throws(Failure) {
            guard try next() == c else { throw Failure() }
        }

        mutating func literal(_ word: String) throws(Failure) {
            for c in word.utf8 { try expect(c) }
        }

        /// Decodes an object into `p`. Returns false on a type mismatch (the syntax was valid).
        mutating func object(into p: inout DataPoint) throws(Failure) -> Bool {
            try expect(UInt8(ascii: "{"))
            var ok = true
            skipSpace()
            if try peek() == UInt8(ascii: "}") {
                i += 1
                return true
            }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                let c = try peek()
                if c == UInt8(ascii: "n") {
                    try literal("null")
                    if Self.keyMatches(key, "tags") { p.tags = [] }
                } else if Self.keyMatches(key, "metric") {
                    if c == UInt8(ascii: "\"") { p.metric = try string() } else { try skipValue(); ok = false }
                } else if Self.keyMatches(key, "timestamp") {
                    if let number = try number() {
                        if let t = Self.int64(number) { p.timestamp = t } else { ok = false }
                    } else { try skipValue(); ok = false }
                } else if Self.keyMatches(key, "value") {
                    if let number = try number() {
                        if let v = Self.double(number) { p.value = v } else { ok = false }
                    } else { try skipValue(); ok = false }
                } else if Self.keyMatches(key, "tags") {
                    if c == UInt8(ascii: "{") { if !(try tags(into: &p.tags)) { ok = false } } else { try skipValue(); ok = false }
                } else {
                    try skipValue()
                }
                skipSpace()
                let end = try next()
                if end == UInt8(ascii: "}") { return ok }
                guard end == UInt8(ascii: ",") else { throw Failure() }
            }
        }

        /// A `map[string]string`: Go adds to the map it already has.
        mutating func tags(into tags: inout [([UInt8], [UInt8])]) throws(Failure) -> Bool {
            try expect(UInt8(ascii: "{"))
            var ok = true
            skipSpace()
            if try peek() == UInt8(ascii: "}") {
                i += 1
                return true
            }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                var value: [UInt8] = []
                switch try peek() {
                case UInt8(ascii: "\""): value = try string()
                case UInt8(ascii: "n"): try literal("null")
                default: try skipValue(); ok = false
                }
                if let k = tags.firstIndex(where: { $0.0 == key }) { tags[k].1 = value } else { tags.append((key, value)) }
                skipSpace()
                let end = try next()
                if end == UInt8(ascii: "}") { return ok }
                guard end == UInt8(ascii: ",") else { throw Failure() }
            }
        }

        /// A JSON number's text at `i`, or nil (nothing consumed) when the value is not a number.
        mutating func number() throws(Failure) -> UnsafeRawBufferPointer? {
            let start = i
            let c = try peek()
            guard c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { return nil }
            if c == UInt8(ascii: "-") { i += 1 }
            func digit() -> Bool { i < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) }
            guard digit() else { throw Failure() }
            if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while digit() { i += 1 } }
            if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digit() else { throw Failure() }
                while digit() { i += 1 }
            }
            if i < bytes.count && (bytes[i] | 0x20) == UInt8(ascii: "e") {
                i += 1
                if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
                guard digit() else { throw Failure() }
                while digit() { i += 1 }
            }
            return UnsafeRawBufferPointer(rebasing: bytes[start..<i])
        }

        /// A string's decoded bytes: escapes resolved, invalid UTF-8 and lone surrogates as
        /// U+FFFD, as Go decodes.
        mutating func string() throws(Failure) -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                let c = try next()
                switch c {
                case UInt8(ascii: "\""):
                    return out
                case UInt8(ascii: "\\"):
                    let e = try next()
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            // A high surrogate takes a following `\uDC00`–`\uDFFF`; otherwise it
                            // is U+FFFD and what follows is read on its own.
                            let save = i
                            if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                                i += 2
                                let low = try hex4()
                                if (0xDC00..<0xE000).contains(low) {
                                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                } else {
                                    i = save
                                    scalar = 0xFFFD
                                }
                            } else {
                                scalar = 0xFFFD
                            }
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            scalar = 0xFFFD
                        }
                        out += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                    default:
                        throw Failure()
                    }
                case 0..<0x20:
                    throw Failure()
                case 0x80...:
                    let n = GoUTF8.sequenceLength(bytes, at: i - 1)
                    if n == 0 {
                        out += [0xEF, 0xBF, 0xBD]
                    } else {
                        out += bytes[(i - 1)..<(i - 1 + n)]
                        i += n - 1
                    }
                default:
                    out.append(c)
                }
            }
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = try next()
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw Failure()
                }
                v = v << 4 | d
            }
            return v
        }

        /// Skips one value of any kind, without recursion (nesting is bounded as in Go).
        mutating func skipValue() throws(Failure) {
            var open: [Bool] = []  // the containers entered: true for an object
            while true {
                skipSpace()
                let c = try peek()
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    i += 1
                    let object = c == UInt8(ascii: "{")
                    open.append(object)
                    guard open.count <= PutJSON.maxDepth else { throw Failure() }
                    skipSpace()
                    if try peek() == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        i += 1
                        open.removeLast()
                    } else {
                        if object { try key() }
                        continue
                    }
                case UInt8(ascii: "\""): _ = try string()
                case UInt8(ascii: "t"): try literal("true")
                case UInt8(ascii: "f"): try literal("false")
                case UInt8(ascii: "n"): try literal("null")
                default: guard try number() != nil else { throw Failure() }
                }
                // A value is complete: a comma goes on to the next one, brackets close.
                while let object = open.last {
                    skipSpace()
                    let d = try next()
                    if d == UInt8(ascii: ",") {
                        if object { try key() }
                        break
                    }
                    guard d == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw Failure() }
                    open.removeLast()
                }
                if open.isEmpty { return }
            }
        }

        /// Reads `"key":` inside an object being skipped.
        private mutating func key() throws(Failure) {
            skipSpace()
            _ = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
        }

        static func keyMatches(_ key: [UInt8], _ name: String) -> Bool {
            // Go's fold: ASCII letters ignoring case, plus U+017F (ſ) for s and U+212A (K) for k.
            var k = 0
            for c in name.utf8 {
                guard k < key.count else { return false }
                if key[k] | 0x20 == c && (key[k] | 0x20) >= UInt8(ascii: "a") && (key[k] | 0x20) <= UInt8(ascii: "z") {
                    k += 1
                } else if c == UInt8(ascii: "s"), k + 1 < key.count, key[k] == 0xC5, key[k + 1] == 0xBF {
                    k += 2
                } else if c == UInt8(ascii: "k"), k + 2 < key.count, key[k] == 0xE2, key[k + 1] == 0x84, key[k + 2] == 0xAA {
                    k += 3
                } else {
                    return false
                }
            }
            return k == key.count
        }

        /// Go's `strconv.ParseInt` of a JSON number into an int64 field (no fraction or exponent).
        static func int64(_ number: UnsafeRawBufferPointer) -> Int64? {
            var negative = false
            var magnitude: UInt64 = 0
            for (n, c) in number.enumerated() {
                if n == 0 && c == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else { return nil }
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                magnitude = a
            }
            if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
            return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
        }

        /// Go's `strconv.ParseFloat` of a JSON number: out of range fails.
        static func double(_ number: UnsafeRawBufferPointer) -> Double? {
            guard case .success(let v) = GoFloat.parse(number) else { return nil }
            return v
        }
    }
}
