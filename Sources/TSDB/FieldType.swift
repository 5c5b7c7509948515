import LineProtocol
import TSM

/// The type a field has in a shard, named as 1.x names it in errors and `SHOW FIELD KEYS`.
public enum FieldType: UInt8, Sendable, Hashable, CustomStringConvertible {
    // influxql.DataType codes, as stored in fields.idx.
    case float = 1, integer = 2, string = 3, boolean = 4, unsigned = 9

    /// The type of a written value.
    public init(_ value: FieldValue) {
        switch value {
        case .float: self = .float
        case .integer: self = .integer
        case .unsigned: self = .unsigned
        case .string: self = .string
        case .boolean: self = .boolean
        }
    }

    /// The type of a written value's kind.
    public init(_ kind: FieldKind) {
        switch kind {
        case .float: self = .float
        case .integer: self = .integer
        case .unsigned: self = .unsigned
        case .string: self = .string
        case .boolean: self = .boolean
        }
    }

    /// The type of a stored block.
    public init(_ type: BlockType) {
        switch type {
        case .float: self = .float
        case .integer: self = .integer
        case .unsigned: self = .unsigned
        case .string: self = .string
        case .boolean: self = .boolean
        }
    }

    public var description: String {
        switch self {
        case .float: "float"
        case .integer: "integer"
        case .string: "string"
        case .boolean: "boolean"
        case .unsigned: "unsigned"
        }
    }
}
