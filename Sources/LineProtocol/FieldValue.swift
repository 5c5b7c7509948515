/// The value of one field.
public enum FieldValue: Sendable, Hashable {
    case float(Double)
    case integer(Int64)
    /// Only parsed when `ParseOptions.allowUnsigned` is set (off in stock 1.x builds).
    case unsigned(UInt64)
    case string(String)
    case boolean(Bool)
}
