/// The values of one key in a WAL write entry. Strings stay bytes: 1.x stores any bytes.
public enum WALValues: Sendable, Equatable {
    case float([Int64], [Double])
    case integer([Int64], [Int64])
    case unsigned([Int64], [UInt64])
    case boolean([Int64], [Bool])
    case string([Int64], [[UInt8]])

    /// The point times.
    public var timestamps: [Int64] {
        switch self {
        case .float(let t, _), .integer(let t, _), .unsigned(let t, _), .boolean(let t, _), .string(let t, _): t
        }
    }

    /// Bytes of the points in a WAL write entry: time and value per point.
    var walBodySize: Int {
        switch self {
        case .float(let t, _), .integer(let t, _), .unsigned(let t, _): t.count * 16
        case .boolean(let t, _): t.count * 9
        case .string(let t, let v): t.count * 12 + v.reduce(0) { $0 + $1.count }
        }
    }

    /// The WAL's type byte (not the TSM block type): 1 float … 5 unsigned.
    var walType: UInt8 {
        switch self {
        case .float: 1
        case .integer: 2
        case .boolean: 3
        case .string: 4
        case .unsigned: 5
        }
    }
}

/// One WAL entry (Spec/wal.md), before Snappy compression.
public enum WALEntry: Sendable, Equatable {
    /// Points per TSM key (`series#!~#field`), in the order given.
    case write([(key: [UInt8], values: WALValues)])
    /// Series keys removed entirely (1.x no longer writes these; still read).
    case delete(keys: [[UInt8]])
    /// Points of `keys` with `min <= time <= max` removed.
    case deleteRange(keys: [[UInt8]], min: Int64, max: Int64)

    public static func == (a: WALEntry, b: WALEntry) -> Bool {
        switch (a, b) {
        case (.write(let x), .write(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.values == $1.values }
        case (.delete(let x), .delete(let y)): x == y
        case (.deleteRange(let k1, let a1, let b1), .deleteRange(let k2, let a2, let b2)): k1 == k2 && a1 == a2 && b1 == b2
        default: false
        }
    }

    /// The entry type byte of the segment framing.
    public var typeByte: UInt8 {
        switch self {
        case .write: 0x01
        case .delete: 0x02
        case .deleteRange: 0x03
        }
    }

    /// Appends the uncompressed entry body to `out`, exactly as 1.x's `Encode`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .write(let series):
            // Sized once and written in place: a write entry is the bulk of every /write.
            var size = 0
            for (key, values) in series { size += 7 + key.count + values.walBodySize }
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: size))
            out.withUnsafeMutableBytes { raw in
                var at = start
                func put<T: FixedWidthInteger>(_ v: T) {
                    raw.storeBytes(of: v.bigEndian, toByteOffset: at, as: T.self)
                    at += MemoryLayout<T>.size
                }
                func put(_ bytes: [UInt8]) {
                    bytes.withUnsafeBytes { b in
                        if !b.isEmpty { (raw.baseAddress! + at).copyMemory(from: b.baseAddress!, byteCount: b.count) }
                    }
                    at += bytes.count
                }
                for (key, values) in series {
                    put(values.walType)
                    put(UInt16(truncatingIfNeeded: key.count))
                    put(key)
                    let ts = values.timestamps
                    put(UInt32(ts.count))
                    switch values {
                    case .float(_, let vs):
                        for i in vs.indices { put(ts[i]); put(vs[i].bitPattern) }
                    case .integer(_, let vs):
                        for i in vs.indices { put(ts[i]); put(vs[i]) }
                    case .unsigned(_, let vs):
                        for i in vs.indices { put(ts[i]); put(vs[i]) }
                    case .boolean(_, let vs):
                        for i in vs.indices { put(ts[i]); put(UInt8(vs[i] ? 1 : 0)) }
                    case .string(_, let vs):
                        for i in vs.indices {
                            put(ts[i])
                            put(UInt32(truncatingIfNeeded: vs[i].count))
                            put(vs[i])
                        }
                    }
                }
            }
        case .delete(let keys):
            for (n, key) in keys.enumerated() {
                if n > 0 { out.append(0x0A) }
                out += key
            }
        case .deleteRange(let keys, let min, let max):
            BigEndian.append(min, to: &out)
            BigEndian.append(max, to: &out)
            for key in keys {
                BigEndian.append(UInt32(key.count), to: &out)
                out += key
            }
        }
    }

    /// Decodes an uncompressed entry body of type `type`.
    public static func decode(type: UInt8, _ b: UnsafeRawBufferPointer) throws(WALError) -> WALEntry {
        switch type {
        case 0x01: return try decodeWrite(b)
        case 0x02:
            // 1.x splits on newlines; an empty body is no keys.
            guard !b.isEmpty else { return .delete(keys: []) }
            return .delete(keys: b.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) })
        case 0x03:
            guard b.count >= 16 else { throw .corrupt }
            var keys: [[UInt8]] = []
            var i = 16
            while i < b.count {
                guard i + 4 <= b.count else { throw .corrupt }
                let n = Int(BigEndian.load(b, at: i, as: UInt32.self))
                i += 4
                guard n <= b.count - i else { throw .corrupt }
                keys.append(Array(b[i..<(i + n)]))
                i += n
            }
            return .deleteRange(keys: keys, min: BigEndian.load(b, at: 0, as: Int64.self), max: BigEndian.load(b, at: 8, as: Int64.self))
        default:
            throw .unknownEntryType(type)
        }
    }

    private static func decodeWrite(_ b: UnsafeRawBufferPointer) throws(WALError) -> WALEntry {
        var series: [(key: [UInt8], values: WALValues)] = []
        var i = 0
        while i < b.count {
            guard i + 3 <= b.count else { throw .corrupt }
            let type = b[i]
            let keyLength = Int(BigEndian.load(b, at: i + 1, as: UInt16.self))
            i += 3
            guard keyLength <= b.count - i, b.count - i - keyLength >= 4 else { throw .corrupt }
            let key = Array(b[i..<(i + keyLength)])
            i += keyLength
            let count = Int(BigEndian.load(b, at: i, as: UInt32.self))
            i += 4
            // Each point takes at least 9 bytes: a count beyond that is corrupt, not a huge allocation.
            guard count <= (b.count - i) / 9 else { throw .corrupt }
            var ts: [Int64] = []
            ts.reserveCapacity(count)
            func fixed<T: FixedWidthInteger>(_: T.Type) throws(WALError) -> [T] {
                guard (b.count - i) / (8 + MemoryLayout<T>.size) >= count else { throw .corrupt }
                var vs: [T] = []
                vs.reserveCapacity(count)
                for _ in 0..<count {
                    ts.append(BigEndian.load(b, at: i, as: Int64.self))
                    vs.append(BigEndian.load(b, at: i + 8, as: T.self))
                    i += 8 + MemoryLayout<T>.size
                }
                return vs
            }
            let values: WALValues
            switch type {
            case 1: let bits = try fixed(UInt64.self); values = .float(ts, bits.map(Double.init(bitPattern:)))
            case 2: let vs = try fixed(Int64.self); values = .integer(ts, vs)
            case 5: let vs = try fixed(UInt64.self); values = .unsigned(ts, vs)
            case 3: let vs = try fixed(UInt8.self); values = .boolean(ts, vs.map { $0 == 1 })
            case 4:
                var vs: [[UInt8]] = []
                for _ in 0..<count {
                    guard b.count - i >= 12 else { throw .corrupt }
                    ts.append(BigEndian.load(b, at: i, as: Int64.self))
                    let n = Int(BigEndian.load(b, at: i + 8, as: UInt32.self))
                    i += 12
                    guard n <= b.count - i else { throw .corrupt }
                    vs.append(Array(b[i..<(i + n)]))
                    i += n
                }
                values = .string(ts, vs)
            default:
                throw .unknownValueType(type)
            }
            series.append((key, values))
        }
        return .write(series)
    }
}

/// Why a WAL entry or segment could not be read or written.
public enum WALError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1.x's `ErrWALCorrupt`.
    case corrupt
    case unknownEntryType(UInt8)
    case unknownValueType(UInt8)
    /// The Snappy payload is invalid.
    case snappy(String)
    /// The segment ends inside an entry (a torn write).
    case truncated
    case io(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .corrupt: "corrupted WAL entry"
        case .unknownEntryType(let t): "unknown wal entry type: \(t)"
        case .unknownValueType(let t): "unsupported value type: \(t)"
        case .snappy(let why): "snappy: \(why)"
        case .truncated: "unexpected EOF"
        case .io(let op, let path, let code): "\(op) \(path): \(errnoText(code))"
        }
    }
}
