import TSDB
import TSM

/// 1.x's engine casts a number stored as another numeric type in some shard into the type the
/// query reads the field as (`floatCastIntegerCursor` and its siblings): Go's conversions.
extension WALValues {
    func cast(to type: FieldType) -> WALValues {
        switch (self, type) {
        case (.integer(let t, let v), .float): .float(t, v.map(Double.init))
        case (.unsigned(let t, let v), .float): .float(t, v.map(Double.init))
        case (.float(let t, let v), .integer): .integer(t, v.map(Self.goInt64))
        case (.unsigned(let t, let v), .integer): .integer(t, v.map { Int64(bitPattern: $0) })
        case (.float(let t, let v), .unsigned): .unsigned(t, v.map { UInt64(bitPattern: Self.goInt64($0)) })
        case (.integer(let t, let v), .unsigned): .unsigned(t, v.map { UInt64(bitPattern: $0) })
        default: self
        }
    }

    /// Go's `int64(f)` on amd64: truncation, and the indefinite value (min int64) where the
    /// result does not fit or `f` is NaN.
    static func goInt64(_ f: Double) -> Int64 {
        guard f.isFinite, f >= -9.223372036854775808e18, f < 9.223372036854775808e18 else { return .min }
        return Int64(f.rounded(.towardZero))
    }
}
