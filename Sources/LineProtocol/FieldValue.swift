/// The value of one field.
public enum FieldValue: Sendable, Hashable {
    case float(Double)
    case integer(Int64)
    /// Only parsed when `ParseOptions.allowUnsigned` is set (off in stock 1.x builds).
    case unsigned(UInt64)
    case string(String)
    case boolean(Bool)
}

/// The kind of a field value, in the order of ``FieldValue``'s cases.
public enum FieldKind: UInt8, Sendable, Hashable {
    case float = 0, integer, unsigned, string, boolean
}

/// A field value as written, already validated by the parser: its kind is read from its bytes
/// and it is decoded on demand, into no intermediate `String` — what the write path's hot loop
/// uses instead of ``FieldValue``. Valid only inside the call that hands it out.
public struct RawFieldValue {
    /// The value's bytes (a string with its quotes, a number with its `i`/`u` suffix).
    public let bytes: UnsafeRawBufferPointer

    public var kind: FieldKind { FieldKind(rawValue: FieldWalker.kind(bytes))! }

    /// An integer value (`-12i`).
    public var integer: Int64 {
        let digits = bytes.count - 1
        // Up to 18 digits cannot overflow; longer ones were range-checked by the parser.
        guard digits <= 18 else { return FieldWalker.decode(bytes).integerValue }
        var i = 0, negative = false
        if bytes[0] == ASCII.minus { negative = true; i = 1 }
        var v: Int64 = 0
        while i < digits {
            v = v &* 10 &+ Int64(bytes[i] &- ASCII.zero)
            i += 1
        }
        return negative ? -v : v
    }

    /// An unsigned value (`12u`).
    public var unsigned: UInt64 {
        if case .unsigned(let v) = FieldWalker.decode(bytes) { return v }
        return 0
    }

    /// A float value.
    public var float: Double { FieldWalker.parseFloat(bytes) }

    /// A boolean value.
    public var boolean: Bool { BooleanWord.value(bytes) ?? false }

    /// A string value's bytes: quotes off, `\"` and `\\` unescaped, nothing decoded.
    public var stringBytes: [UInt8] {
        Escaping.unescapeBytes(UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - 1)]), Escaping.stringValue)
    }
}

extension FieldValue {
    /// The integer of an `.integer` value (0 otherwise).
    var integerValue: Int64 {
        if case .integer(let v) = self { return v }
        return 0
    }
}
