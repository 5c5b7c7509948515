extension LineProtocolParser {
    /// The field section: from the first non-whitespace byte after the key to the next unquoted
    /// space; validates every value's syntax as 1.x does, so later decoding cannot fail.
    /// `plain` is true when the section holds no quote or backslash; then 1.x's later field walk
    /// (which treats quotes and escapes differently) is known to agree with this scan.
    static func scanFields(_ buf: UnsafeRawBufferPointer, from position: Int, allowUnsigned: Bool) throws(ScanError) -> (range: Range<Int>, longestKey: Int, plain: Bool) {
        var start = position
        while start < buf.count, isWhitespace(buf[start]) { start += 1 }
        var i = start
        var quoted = false
        var equals = 0, commas = 0
        var keyStart = start, longestKey = 0
        var plain = true
        while i < buf.count {
            let b = buf[i]
            if b == ASCII.backslash && i + 1 < buf.count {
                plain = false
                i += 2
                continue
            }
            if b == ASCII.quote { plain = false }
            if b == ASCII.quote && equals > commas {
                quoted.toggle()
                i += 1
                continue
            }
            if b == ASCII.equals && !quoted {
                equals += 1
                longestKey = max(longestKey, i - keyStart)
                // `i - 2` may precede the section (1.x reads the byte before it); treat that as unescaped.
                let beforeIsEscape = i >= 2 && buf[i - 2] == ASCII.backslash
                if i >= 1 && (buf[i - 1] == ASCII.space || buf[i - 1] == ASCII.comma) && !beforeIsEscape {
                    throw .missingFieldKey
                }
                guard i + 1 < buf.count else { throw .missingFieldValue }
                let next = buf[i + 1]
                if next == ASCII.comma || next == ASCII.space { throw .missingFieldValue }
                if ASCII.isNumeric(next) || next == ASCII.minus || next == UInt8(ascii: "N") || next == UInt8(ascii: "n") {
                    i = try scanNumber(buf, from: i + 1, allowUnsigned: allowUnsigned)
                    continue
                }
                if next != ASCII.quote {
                    i = try scanBoolean(buf, from: i + 1)
                    continue
                }
            }
            if b == ASCII.comma && !quoted {
                commas += 1
                keyStart = i + 1
            }
            if b == ASCII.space && !quoted { break }
            i += 1
        }
        if quoted { throw .unbalancedQuotes }
        if equals == 0 || commas != equals - 1 { throw .invalidFieldFormat }
        return (start..<i, longestKey, plain)
    }

    /// A numeric value starting at `start`; returns where it ends.
    static func scanNumber(_ buf: UnsafeRawBufferPointer, from start: Int, allowUnsigned: Bool) throws(ScanError) -> Int {
        var i = start
        var isInt = false, isUnsigned = false, decimal = false, scientific = false
        if i < buf.count && buf[i] == ASCII.minus {
            i += 1
            if i == buf.count { throw .invalidNumber }
        }
        while i < buf.count {
            let b = buf[i]
            if b == ASCII.comma || b == ASCII.space { break }
            if b == UInt8(ascii: "i") && i > start && !(isInt || isUnsigned) {
                isInt = true; i += 1; continue
            }
            if b == UInt8(ascii: "u") && i > start && !(isInt || isUnsigned) {
                isUnsigned = true; i += 1; continue
            }
            if b == ASCII.dot {
                if decimal { throw .invalidNumber }
                decimal = true
            }
            if i > start && (b == UInt8(ascii: "e") || b == UInt8(ascii: "E")) {
                scientific = true; i += 1; continue
            }
            if (b == ASCII.plus || b == ASCII.minus) && (buf[i - 1] == UInt8(ascii: "e") || buf[i - 1] == UInt8(ascii: "E")) {
                i += 1; continue
            }
            if i + 2 < buf.count && (b == UInt8(ascii: "N") || b == UInt8(ascii: "n")) { throw .invalidNumber }
            if !ASCII.isNumeric(b) { throw .invalidNumber }
            i += 1
        }
        if (isInt || isUnsigned) && (decimal || scientific) { throw .invalidNumber }
        var digits = i - start
        if isInt { digits -= 1 }
        if decimal { digits -= 1 }
        if buf[start] == ASCII.minus { digits -= 1 }
        if digits == 0 { throw .invalidNumber }

        let text = UnsafeRawBufferPointer(rebasing: buf[start..<i])
        if isInt {
            guard buf[i - 1] == UInt8(ascii: "i") else { throw .invalidNumber }
            let body = UnsafeRawBufferPointer(rebasing: text.dropLast())
            if body.count >= 19, case .failure(let why) = GoInt.parseInt64(body) {
                throw ScanError("unable to parse integer \(String(decoding: body, as: UTF8.self)): \(why)")
            }
        } else if isUnsigned {
            guard allowUnsigned, buf[i - 1] == UInt8(ascii: "u"), buf[start] != ASCII.minus else { throw .invalidNumber }
            let body = UnsafeRawBufferPointer(rebasing: text.dropLast())
            if body.count >= 20, case .failure(let why) = GoInt.parseUInt64(body) {
                throw ScanError("unable to parse unsigned \(String(decoding: body, as: UTF8.self)): \(why)")
            }
        } else if scientific || text.count >= 25 {
            guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { throw .invalidFloat }
        }
        return i
    }

    /// A boolean value starting at `start`: t, T, true, True, TRUE, f, F, false, False, FALSE.
    static func scanBoolean(_ buf: UnsafeRawBufferPointer, from start: Int) throws(ScanError) -> Int {
        let first = buf[start]
        guard first == UInt8(ascii: "t") || first == UInt8(ascii: "f") || first == UInt8(ascii: "T") || first == UInt8(ascii: "F") else {
            throw .invalidBoolean
        }
        var i = start + 1
        while i < buf.count && buf[i] != ASCII.comma && buf[i] != ASCII.space { i += 1 }
        let word = UnsafeRawBufferPointer(rebasing: buf[start..<i])
        guard word.count == 1 || BooleanWord.value(word) != nil else { throw .invalidBoolean }
        return i
    }
}

/// Boolean spellings 1.x accepts.
enum BooleanWord {
    static func value(_ word: UnsafeRawBufferPointer) -> Bool? {
        switch word.count {
        case 1:
            switch word[0] {
            case UInt8(ascii: "t"), UInt8(ascii: "T"): return true
            case UInt8(ascii: "f"), UInt8(ascii: "F"): return false
            default: return nil
            }
        case 4:
            return word.elementsEqual("true".utf8) || word.elementsEqual("True".utf8) || word.elementsEqual("TRUE".utf8) ? true : nil
        case 5:
            return word.elementsEqual("false".utf8) || word.elementsEqual("False".utf8) || word.elementsEqual("FALSE".utf8) ? false : nil
        default:
            return nil
        }
    }
}
