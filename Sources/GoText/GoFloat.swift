#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `strconv.ParseFloat(s, 64)` on bytes, as the Go 1.19 build of influxd 1.6.7 parses
/// Graphite and OpenTSDB values: decimal and hexadecimal (`0x1.8p3`) forms, `_` between
/// digits, signed `inf`/`infinity` and unsigned `nan` in any case. Anything else is a syntax
/// error; a well-formed number beyond ±MaxFloat64 is a range error.
public enum GoFloat {
    public enum Failure: Error, Sendable, Equatable {
        case syntax
        case range

        /// Go's `NumError` text for `input`: `strconv.ParseFloat: parsing "x": invalid syntax`.
        public func message(_ input: some Collection<UInt8>) -> String {
            "strconv.ParseFloat: parsing \(GoQuote.quote(input)): " + (self == .syntax ? "invalid syntax" : "value out of range")
        }
    }

    public static func parse(_ s: UnsafeRawBufferPointer) -> Result<Double, Failure> {
        if let special = special(s) { return .success(special) }
        guard let plainCount = wellFormed(s) else { return .failure(.syntax) }
        // The grammar is checked: strtod (correctly rounded, as Go is) reads the digits with
        // the underscores taken out.
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: plainCount + 1) { buffer -> Double in
            var n = 0
            for b in s where b != UInt8(ascii: "_") {
                buffer[n] = CChar(bitPattern: b)
                n += 1
            }
            buffer[n] = 0
            return strtod(buffer.baseAddress!, nil)
        }
        return value.isInfinite ? .failure(.range) : .success(value)
    }

    public static func parse(_ bytes: [UInt8]) -> Result<Double, Failure> {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// `inf`, `infinity` (optionally signed) and `nan`, ignoring case, as the whole input.
    static func special(_ s: UnsafeRawBufferPointer) -> Double? {
        guard let first = s.first else { return nil }
        var i = 0
        var sign = 1.0
        if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            i = 1
        } else if first | 0x20 == UInt8(ascii: "n") {
            return s.count == 3 && matches(s, from: 0, "nan") ? .nan : nil
        }
        let rest = s.count - i
        if (rest == 3 && matches(s, from: i, "inf")) || (rest == 8 && matches(s, from: i, "infinity")) {
            return sign * .infinity
        }
        return nil
    }

    private static func matches(_ s: UnsafeRawBufferPointer, from: Int, _ word: StaticString) -> Bool {
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for k in 0..<w.count where s[from + k] | 0x20 != w[k] { return false }
        return true
    }

    /// Go's `readFloat` consuming the whole input; returns the length without underscores.
    static func wellFormed(_ s: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        if i < s.count && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
        var hex = false
        if i + 2 < s.count && s[i] == UInt8(ascii: "0") && s[i + 1] | 0x20 == UInt8(ascii: "x") {
            hex = true
            i += 2
        }
        var underscores = 0
        var sawDot = false
        var sawDigits = false
        loop: while i < s.count {
            let c = s[i]
            switch c {
            case UInt8(ascii: "_"): underscores += 1
            case UInt8(ascii: "."):
                if sawDot { break loop }
                sawDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigits = true
            default:
                if hex && (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c | 0x20) { sawDigits = true } else { break loop }
            }
            i += 1
        }
        guard sawDigits else { return nil }
        if i < s.count && s[i] | 0x20 == (hex ? UInt8(ascii: "p") : UInt8(ascii: "e")) {
            i += 1
            if i < s.count && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < s.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(s[i]) else { return nil }
            while i < s.count && ((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(s[i]) || s[i] == UInt8(ascii: "_")) {
                if s[i] == UInt8(ascii: "_") { underscores += 1 }
                i += 1
            }
        } else if hex {
            return nil
        }
        guard i == s.count else { return nil }
        if underscores > 0 && !underscoreOK(s) { return nil }
        return s.count - underscores
    }

    /// Go's `underscoreOK`: each `_` sits between digits (or after a base prefix).
    static func underscoreOK(_ s: UnsafeRawBufferPointer) -> Bool {
        enum Saw { case start, digit, underscore, other }
        var saw = Saw.start
        var i = 0
        if i < s.count && (s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-")) { i += 1 }
        var hex = false
        if s.count - i >= 2 && s[i] == UInt8(ascii: "0") && [UInt8(ascii: "b"), UInt8(ascii: "o"), UInt8(ascii: "x")].contains(s[i + 1] | 0x20) {
            hex = s[i + 1] | 0x20 == UInt8(ascii: "x")
            i += 2
            saw = .digit
        }
        while i < s.count {
            let c = s[i]
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || (hex && (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(c | 0x20)) {
                saw = .digit
            } else if c == UInt8(ascii: "_") {
                if saw != .digit { return false }
                saw = .underscore
            } else {
                if saw == .underscore { return false }
                saw = .other
            }
            i += 1
        }
        return saw != .underscore
    }
}
