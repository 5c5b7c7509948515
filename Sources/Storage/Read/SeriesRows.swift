import InfluxQL
import TSM
import Query
import TSDB

/// One row of a Read: a series and one of its measurement's fields (1.6's `seriesRow`).
struct SeriesRow: Sendable {
    var series: ParsedSeriesKey
    var field: String
    /// The series' tags with `_measurement` and `_field` added, sorted by key bytes: what the
    /// series frame carries and what grouping reads.
    var tags: [(key: [UInt8], value: [UInt8])]
    /// The value condition left once the row's tags are known (nil: every value passes).
    var valueCondition: PredicateExpr?
    /// GroupBy's sort key: the group keys' values, concatenated.
    var sortKey: [UInt8] = []

    /// The value of tag `key` (`_measurement` and `_field` included), nil when absent.
    func tag(_ key: [UInt8]) -> [UInt8]? { tags.first { $0.key == key }?.value }
}

/// The conditions a Read's predicate splits into (1.6's `newIndexSeriesCursor`).
struct ReadConditions: Sendable {
    /// The whole predicate.
    var condition: PredicateExpr?
    /// Checked per row with the measurement, tags and field (nil: none).
    var measurementCondition: PredicateExpr?
    /// What the index selects series by (field key and value terms removed).
    var seriesCondition: PredicateExpr?
    /// `seriesCondition` in InfluxQL's AST, as the index and the field lookup take it.
    var seriesExpr: Expr?
    var hasValueTerms = false
    /// The one measurement the predicate selects, when it selects one without OR.
    var singleMeasurement: String?

    init(_ predicate: PredicateExpr?) throws(ReadError) {
        condition = predicate
        guard let predicate else { return }
        let refs = predicate.refersToFieldKeyAndValue
        hasValueTerms = refs.value
        if !refs.fieldKey && !refs.value {
            measurementCondition = predicate
            seriesCondition = predicate
        } else {
            let measurement = predicate.removingComparisons(on: ["$"]).reduced()
            measurementCondition = measurement.isBooleanLiteral ? nil : measurement
            let series = predicate.removingComparisons(on: ["_field", "$"]).reduced()
            seriesCondition = series.isBooleanLiteral ? nil : series
        }
        singleMeasurement = measurementCondition?.singleMeasurementWithoutOr
        if let seriesCondition, !seriesCondition.hasOnlyTagOperators { throw ReadError("invalid tag comparison operator") }
        seriesExpr = seriesCondition?.influxQL
    }
}

/// The rows of a Read in 1.6's order: measurements by name, each one's series by key, each
/// series' fields by name. Series are read one measurement at a time from the shards' indexes.
struct SeriesRowCursor: Sendable {
    let shards: [Shard]
    let conditions: ReadConditions
    private var measurements: [String]
    private var nextMeasurement = 0
    private var series: [ParsedSeriesKey] = []
    private var fields: [String] = []
    private var seriesPosition = 0
    private var fieldPosition = 0

    init(shards: [Shard], conditions: ReadConditions) {
        self.shards = shards
        self.conditions = conditions
        if let single = conditions.singleMeasurement {
            measurements = [single]
        } else {
            var names = Set<String>()
            for shard in shards { names.formUnion(shard.index.measurements) }
            measurements = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    /// The next row, or nil at the end.
    mutating func next() -> SeriesRow? {
        while true {
            if seriesPosition < series.count && fieldPosition < fields.count {
                let s = series[seriesPosition], field = fields[fieldPosition]
                fieldPosition += 1
                if fieldPosition == fields.count {
                    fieldPosition = 0
                    seriesPosition += 1
                }
                if let row = makeRow(s, field) { return row }
                continue
            }
            guard nextMeasurement < measurements.count else { return nil }
            load(measurements[nextMeasurement])
            nextMeasurement += 1
        }
    }

    /// Reads the measurement's matching series from every shard (a union, sorted by key) and
    /// its fields: from every shard when the predicate names the measurement alone, otherwise
    /// from the shards whose index names the measurement (1.6's `_fieldKeys` iterator). A
    /// measurement left without fields gives no rows (1.6 crashes on it).
    private mutating func load(_ measurement: String) {
        var found: [ByteKey: ParsedSeriesKey] = [:]
        var fieldNames = Set<String>()
        for shard in shards where shard.index.hasMeasurement(measurement) {
            let shardFields = shard.fieldSet.fields(of: measurement)
            let condition = SeriesCondition(expr: conditions.seriesExpr, fields: Set(shardFields.keys))
            let index = shard.index
            let candidates = condition.candidates { index.seriesKeys(of: measurement, tag: $0, value: $1) }
            let matched = (candidates.map { index.series(of: measurement, keys: $0) } ?? index.series(of: measurement)).filter(condition.matches)
            for s in matched { found[ByteKey(s.key)] = s }
            if conditions.singleMeasurement == nil,
               FieldKeyMeasurements.names(measurement, in: shard, condition: conditions.seriesExpr) {
                fieldNames.formUnion(shardFields.keys)
            }
        }
        if conditions.singleMeasurement != nil {
            for shard in shards { fieldNames.formUnion(shard.fieldSet.fields(of: measurement).keys) }
        }
        series = found.values.sorted(by: Self.precedes)
        fields = fieldNames.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        seriesPosition = 0
        fieldPosition = 0
    }

    private func makeRow(_ s: ParsedSeriesKey, _ field: String) -> SeriesRow? {
        if let condition = conditions.measurementCondition {
            let holds = condition.holds { name in
                switch name {
                case "_name": .bytes(Array(s.measurement.utf8))
                case "_field": .string(field)
                default: .bytes(Array(s.tag(name).utf8))
                }
            }
            guard holds else { return nil }
        }
        var tags = s.tags.map { (key: Array($0.key.utf8), value: Array($0.value.utf8)) }
        tags.append((Array("_measurement".utf8), Array(s.measurement.utf8)))
        tags.append((Array("_field".utf8), Array(field.utf8)))
        tags.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var valueCondition: PredicateExpr?
        if conditions.hasValueTerms, let condition = conditions.condition {
            let reduced = condition.reduced { name in
                switch name {
                case "_name": .bytes
                case "_field": .string(field)
                default: s.tags.contains { $0.key == name } ? .bytes : nil
                }
            }
            valueCondition = reduced.isBooleanLiteral ? nil : reduced
        }
        return SeriesRow(series: s, field: field, tags: tags, valueCondition: valueCondition)
    }

    /// 1.x's series key order (``ParsedSeriesKey/precedes(_:_:)``).
    static func precedes(_ a: ParsedSeriesKey, _ b: ParsedSeriesKey) -> Bool {
        ParsedSeriesKey.precedes((a.measurement, a.tags), (b.measurement, b.tags))
    }
}
