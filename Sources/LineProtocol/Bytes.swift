#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ASCII bytes the scanner compares against.
enum ASCII {
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let newline = UInt8(ascii: "\n")
    static let hash = UInt8(ascii: "#")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    /// Byte order of two ranges of `buf` (memcmp, then length): negative, zero or positive.
    /// The generic collection comparisons cost a call per byte; this is the hot path of key
    /// sorting.
    @inline(__always) static func compare(_ buf: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        compare(UnsafeRawBufferPointer(rebasing: buf[a]), UnsafeRawBufferPointer(rebasing: buf[b]))
    }

    /// Byte order of two byte runs (memcmp, then length).
    @inline(__always) static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = Swift.min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return Int(c) }
        }
        return a.count - b.count
    }
    /// 1.x's `isNumeric`: a digit or a dot.
    @inline(__always) static func isNumeric(_ b: UInt8) -> Bool { isDigit(b) || b == dot }
}

/// A failed line's reason; thrown inside the scanner, rendered by the parser.
struct ScanError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }

    static let missingMeasurement = ScanError("missing measurement")
    static let missingFields = ScanError("missing fields")
    static let missingTagKey = ScanError("missing tag key")
    static let missingTagValue = ScanError("missing tag value")
    static let invalidTagFormat = ScanError("invalid tag format")
    static let duplicateTags = ScanError("duplicate tags")
    static let missingFieldKey = ScanError("missing field key")
    static let missingFieldValue = ScanError("missing field value")
    static let unbalancedQuotes = ScanError("unbalanced quotes")
    static let invalidFieldFormat = ScanError("invalid field format")
    static let invalidNumber = ScanError("invalid number")
    static let invalidFloat = ScanError("invalid float")
    static let invalidBoolean = ScanError("invalid boolean")
    static let badTimestamp = ScanError("bad timestamp")
    static let invalidPoint = ScanError("point is invalid")
    static let timeOutOfRange = ScanError("time outside range \(TimeRange.minNanoseconds) - \(TimeRange.maxNanoseconds)")
    static let maxKeyLength = 65535

    static func keyTooLong(_ size: Int) -> ScanError { ScanError("max key length exceeded: \(size) > \(maxKeyLength)") }
}
