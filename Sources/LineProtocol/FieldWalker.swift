#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks a validated field section (`k=v,k2=v2`) without allocating.
enum FieldWalker {
    /// Calls `body` with each field's escaped key and raw value bytes.
    static func forEach(_ fields: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        var i = 0
        while i < fields.count {
            // Key: up to the first unescaped '='.
            let keyStart = i
            while i < fields.count && !(fields[i] == ASCII.equals && (i == keyStart || fields[i - 1] != ASCII.backslash)) { i += 1 }
            let key = UnsafeRawBufferPointer(rebasing: fields[keyStart..<i])
            i += 1
            guard i < fields.count else { return }  // unreachable once `check` has passed
            // Value: up to an unquoted ','; inside quotes `\"` and `\\` are escapes.
            let valueStart = i
            var quoted = false
            while i < fields.count {
                let b = fields[i]
                if b == ASCII.backslash && i + 1 < fields.count && (fields[i + 1] == ASCII.quote || fields[i + 1] == ASCII.backslash) {
                    i += 2
                    continue
                }
                if b == ASCII.quote { quoted.toggle() }
                if b == ASCII.comma && !quoted { break }
                i += 1
            }
            body(key, UnsafeRawBufferPointer(rebasing: fields[valueStart..<min(i, fields.count)]))
            i += 1
        }
    }

    /// 1.x's second pass over an accepted field section (`walkFields`): a key with no '=', or
    /// with nothing after it, is "invalid value"; the first key whose series key + "#!~#" +
    /// field name exceeds the limit is "max key length exceeded". The first problem wins.
    /// The scan and this walk disagree only when quotes or backslashes sit in odd places.
    static func check(_ fields: UnsafeRawBufferPointer, keyCount: Int) throws(ScanError) {
        var i = 0
        while i < fields.count {
            let keyStart = i
            while i < fields.count && !(fields[i] == ASCII.equals && (i == keyStart || fields[i - 1] != ASCII.backslash)) { i += 1 }
            if i > fields.count - 2 {
                throw ScanError("invalid value: field-key=\(String(decoding: UnsafeRawBufferPointer(rebasing: fields[keyStart..<i]), as: UTF8.self))")
            }
            let size = keyCount + 4 + (i - keyStart)
            if size > ScanError.maxKeyLength { throw .keyTooLong(size) }
            i += 1
            var quoted = false
            while i < fields.count {
                let b = fields[i]
                if b == ASCII.backslash && i + 1 < fields.count && (fields[i + 1] == ASCII.quote || fields[i + 1] == ASCII.backslash) {
                    i += 2
                    continue
                }
                if b == ASCII.quote { quoted.toggle() }
                if b == ASCII.comma && !quoted { break }
                i += 1
            }
            i += 1
        }
    }

    /// Decodes a validated raw value. Strings lose their quotes and escapes.
    static func decode(_ raw: UnsafeRawBufferPointer) -> FieldValue {
        let first = raw[0]
        if first == ASCII.quote {
            return .string(Escaping.unescape(UnsafeRawBufferPointer(rebasing: raw[1..<raw.count - 1]), Escaping.stringValue))
        }
        if let bool = BooleanWord.value(raw) { return .boolean(bool) }
        let last = raw[raw.count - 1]
        if last == UInt8(ascii: "i"), case .success(let v) = GoInt.parseInt64(UnsafeRawBufferPointer(rebasing: raw.dropLast())) {
            return .integer(v)
        }
        if last == UInt8(ascii: "u"), case .success(let v) = GoInt.parseUInt64(UnsafeRawBufferPointer(rebasing: raw.dropLast())) {
            return .unsigned(v)
        }
        return .float(parseFloat(raw))
    }

    /// A validated decimal float (the scan admitted only digits, one point and an exponent),
    /// parsed with `strtod` from a stack copy instead of through a `String`: glibc's
    /// conversion is correctly rounded, as Go's `ParseFloat` is.
    static func parseFloat(_ raw: UnsafeRawBufferPointer) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: raw.count + 1) { buffer in
            for i in 0..<raw.count { buffer[i] = CChar(bitPattern: raw[i]) }
            buffer[raw.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    /// The kind of a parsed raw value without decoding it: 0 float, 1 integer, 2 unsigned,
    /// 3 string, 4 boolean (the order of `FieldValue`'s cases).
    static func kind(_ raw: UnsafeRawBufferPointer) -> UInt8 {
        if raw[0] == ASCII.quote { return 3 }
        if BooleanWord.value(raw) != nil { return 4 }
        switch raw[raw.count - 1] {
        case UInt8(ascii: "i"): return 1
        case UInt8(ascii: "u"): return 2
        default: return 0
        }
    }
}
