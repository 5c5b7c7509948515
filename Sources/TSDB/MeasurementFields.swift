import LineProtocol
import TSM

/// The field types of every measurement in one shard (what 1.x keeps in `fields.idx`).
///
/// A field's type is fixed by the first write that creates it; later points with another type
/// for it are dropped with 1.x's `field type conflict` reason.
public struct MeasurementFieldSet: Sendable {
    var fields: [String: [String: FieldType]] = [:]

    public init() {}

    /// The type of `field` in `measurement`, if it exists.
    public func type(of field: String, in measurement: String) -> FieldType? {
        fields[measurement]?[field]
    }

    /// Measurements with at least one field.
    public var measurements: [String] { Array(fields.keys) }

    /// All fields of a measurement.
    public func fields(of measurement: String) -> [String: FieldType] { fields[measurement] ?? [:] }

    /// Validates a batch as 1.x's `Shard.validateSeriesAndFields` does and records new fields.
    ///
    /// Points with a `time` tag, with only `time` fields, or with a field whose type conflicts
    /// with the shard's are dropped; the reason of the first drop is reported. New fields are
    /// validated against the shard as it was before the batch, then created in order — a
    /// conflict between two new fields of the same batch fails the whole write, as in 1.x.
    public mutating func validate(_ points: [Point]) -> (accepted: [Point], error: WriteError?) {
        var accepted: [Point] = []
        accepted.reserveCapacity(points.count)
        var dropped = 0
        var reason = ""
        func drop(_ why: @autoclosure () -> String) {
            dropped += 1
            if reason.isEmpty { reason = why() }
        }
        let timeTagged = points.map { $0.tag("time") != nil }
        for (point, tagged) in zip(points, timeTagged) where tagged {
            drop("invalid tag key: input tag \"time\" on measurement \"\(point.measurement)\" is invalid")
        }
        var toCreate: [(measurement: String, field: String, type: FieldType)] = []
        // The outcome depends only on the point's shape (measurement, field keys and types) and
        // the fields as they were before the batch: a shape accepted once is accepted again.
        var acceptedShapes = Set<ByteKey>()
        var shape: [UInt8] = []
        for (point, tagged) in zip(points, timeTagged) where !tagged {
            shape.removeAll(keepingCapacity: true)
            point.appendShape(to: &shape)
            let shapeKey = ByteKey(shape)
            if acceptedShapes.contains(shapeKey) {
                accepted.append(point)
                continue
            }
            let measurement = point.measurement
            let pointFields = point.fields.filter { $0.key != "time" }
            if pointFields.isEmpty {
                drop("invalid field name: input field \"time\" on measurement \"\(measurement)\" is invalid")
                continue
            }
            var conflict: String?
            for (key, value) in pointFields {
                let type = FieldType(value)
                if let existing = fields[measurement]?[key], existing != type {
                    conflict = "field type conflict: input field \"\(key)\" on measurement \"\(measurement)\" is type \(type), already exists as type \(existing)"
                    break
                }
            }
            if let conflict {
                drop(conflict)
                continue
            }
            accepted.append(point)
            acceptedShapes.insert(shapeKey)
            for (key, value) in pointFields where fields[measurement]?[key] == nil {
                toCreate.append((measurement, key, FieldType(value)))
            }
        }
        for new in toCreate {
            if let existing = fields[new.measurement]?[new.field] {
                if existing != new.type { return ([], .client("field type conflict")) }
                continue
            }
            fields[new.measurement, default: [:]][new.field] = new.type
        }
        return (accepted, dropped > 0 ? .partial(reason: reason, dropped: dropped) : nil)
    }
}
