extension LineProtocolParser {
    /// The optional timestamp after the fields: digits with an optional leading '-'.
    static func scanTime(_ buf: UnsafeRawBufferPointer, from position: Int) throws(ScanError) -> (range: Range<Int>, Void) {
        var start = position
        while start < buf.count, isWhitespace(buf[start]) { start += 1 }
        var i = start
        while i < buf.count {
            let b = buf[i]
            if b == ASCII.newline || b == ASCII.space { break }
            if i == start && b == ASCII.minus { i += 1; continue }
            guard ASCII.isDigit(b) else { throw .badTimestamp }
            i += 1
        }
        return (start..<i, ())
    }

    /// The timestamp's value, failing with Go's `strconv.ParseInt` text.
    static func parseTimestamp(_ text: UnsafeRawBufferPointer) throws(ScanError) -> Int64 {
        switch GoInt.parseInt64(text) {
        case .success(let value): return value
        case .failure(let why): throw ScanError(why.description)
        }
    }
}

/// Decimal integer parsing with Go's `strconv` error texts, which 1.x puts into its messages.
enum GoInt {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parseInt64(_ text: UnsafeRawBufferPointer) -> Result<Int64, Failure> {
        // The text is only made into a String for an error (this runs for every value and
        // every timestamp).
        var digits = text[...]
        var negative = false
        if let first = digits.first, first == ASCII.minus || first == ASCII.plus {
            negative = first == ASCII.minus
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(ASCII.isDigit) else {
            return .failure(Failure(description: "strconv.ParseInt: parsing \(quote(text)): invalid syntax"))
        }
        var magnitude: UInt64 = 0
        for d in digits {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - ASCII.zero))
            if o1 || o2 { return .failure(outOfRange("ParseInt", text)) }
            magnitude = a
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .failure(outOfRange("ParseInt", text)) }
            return .success(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .failure(outOfRange("ParseInt", text)) }
        return .success(Int64(magnitude))
    }

    static func parseUInt64(_ text: UnsafeRawBufferPointer) -> Result<UInt64, Failure> {
        guard !text.isEmpty, text.allSatisfy(ASCII.isDigit) else {
            return .failure(Failure(description: "strconv.ParseUint: parsing \(quote(text)): invalid syntax"))
        }
        var value: UInt64 = 0
        for d in text {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - ASCII.zero))
            if o1 || o2 { return .failure(outOfRange("ParseUint", text)) }
            value = a
        }
        return .success(value)
    }

    private static func outOfRange(_ function: String, _ text: UnsafeRawBufferPointer) -> Failure {
        Failure(description: "strconv.\(function): parsing \(quote(text)): value out of range")
    }

    private static func quote(_ text: UnsafeRawBufferPointer) -> String { "\"" + String(decoding: text, as: UTF8.self) + "\"" }
}
