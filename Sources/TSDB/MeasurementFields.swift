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
    public mutating func validate(_ points: [Point]) -> (accepted: [Point], error: WriteError?) {
        var keep = [Bool](repeating: true, count: points.count)
        let error = validate(points, keep: &keep).error
        return (zip(points, keep).filter(\.1).map(\.0), error)
    }

    /// Validates the points marked in `keep` as 1.x's `Shard.validateSeriesAndFields` does,
    /// unmarking each point it drops, and records new fields; returns how many it created and
    /// how many points it dropped for a field type conflict (what 1.x counts in the shard's
    /// `writePointsDropped`; its `time` tag and field drops are not counted there).
    ///
    /// Points with a `time` tag, with only `time` fields, or with a field whose type conflicts
    /// with the shard's are dropped; the reason of the first drop is reported. New fields are
    /// validated against the shard as it was before the batch, then created in order — a
    /// conflict between two new fields of the same batch fails the whole write, as in 1.x.
    public mutating func validate(_ points: [Point], keep: inout [Bool]) -> (created: Int, error: WriteError?, conflicts: Int) {
        var dropped = 0
        var conflicts = 0
        var reason = ""
        func drop(_ i: Int, _ why: @autoclosure () -> String) {
            keep[i] = false
            dropped += 1
            if reason.isEmpty { reason = why() }
        }
        var timeTagged = [Bool](repeating: false, count: points.count)
        for i in points.indices where keep[i] && points[i].tag("time") != nil {
            timeTagged[i] = true
            drop(i, "invalid tag key: input tag \"time\" on measurement \"\(points[i].measurement)\" is invalid")
        }
        var toCreate: [(measurement: String, field: String, type: FieldType)] = []
        // The outcome depends only on the point's shape (measurement, field keys and types) and
        // the fields as they were before the batch: a shape accepted once is accepted again.
        var acceptedShapes = Set<ByteKey>()
        var shape: [UInt8] = []
        for i in points.indices where keep[i] && !timeTagged[i] {
            let point = points[i]
            shape.removeAll(keepingCapacity: true)
            point.appendShape(to: &shape)
            let shapeKey = ByteKey(shape)
            if acceptedShapes.contains(shapeKey) { continue }
            let measurement = point.measurement
            let pointFields = point.fields.filter { $0.key != "time" }
            if pointFields.isEmpty {
                drop(i, "invalid field name: input field \"time\" on measurement \"\(measurement)\" is invalid")
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
                drop(i, conflict)
                conflicts += 1
                continue
            }
            acceptedShapes.insert(shapeKey)
            for (key, value) in pointFields where fields[measurement]?[key] == nil {
                toCreate.append((measurement, key, FieldType(value)))
            }
        }
        var created = 0
        for new in toCreate {
            if let existing = fields[new.measurement]?[new.field] {
                if existing != new.type {
                    for i in keep.indices { keep[i] = false }
                    return (0, .client("field type conflict"), 0)
                }
                continue
            }
            fields[new.measurement, default: [:]][new.field] = new.type
            created += 1
        }
        return (created, dropped > 0 ? .partial(reason: reason, dropped: dropped) : nil, conflicts)
    }
}
