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
