import InfluxQL
import Query
import TSDB

/// Which measurements of a shard give a Read their fields when the predicate names no single
/// measurement: 1.6 asks the shard's index set (`IndexSet.MeasurementNamesByExpr`, through the
/// `_fieldKeys` iterator), with either index — the rule SHOW MEASUREMENTS' WHERE follows
/// (`QueryExecutor.measurementMatches`).
enum FieldKeyMeasurements {
    /// Whether the shard's index names `measurement` for `condition`.
    static func names(_ measurement: String, in shard: Shard, condition: Expr?) -> Bool {
        guard let condition else { return true }
        var values: [String: Set<String>] = [:]
        for s in shard.index.series(of: measurement) {
            for tag in s.tags { values[tag.key, default: []].insert(tag.value) }
        }
        return QueryExecutor.measurementMatches(condition, name: measurement, values)
    }
}
