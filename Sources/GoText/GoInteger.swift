/// Go's `strconv.ParseInt(s, 10, 64)` on bytes: an optional sign and at least one decimal
/// digit. Overflow is a range error (Go then returns the clamped value).
public enum GoInteger {
    public enum Failure: Error, Sendable, Equatable {
        case syntax
        case range(clamped: Int64)
    }

    public static func parse(_ s: UnsafeRawBufferPointer) -> Result<Int64, Failure> {
        var i = 0
        var negative = false
        if let first = s.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            i = 1
        }
        guard i < s.count else { return .failure(.syntax) }
        var magnitude: UInt64 = 0
        var overflow = false
        while i < s.count {
            let d = s[i] &- UInt8(ascii: "0")
            guard d < 10 else { return .failure(.syntax) }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { overflow = true } else { magnitude = a }
            i += 1
        }
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        if overflow || magnitude > limit { return .failure(.range(clamped: negative ? .min : .max)) }
        return .success(negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude))
    }
}
