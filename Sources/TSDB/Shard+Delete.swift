import Synchronization
import TSM

extension Shard {
    /// `DROP MEASUREMENT`: every value of the measurement, its fields and its series.
    public func deleteMeasurement(_ name: String) throws(StoreError) {
        try writeLock.withLock { (_) throws(StoreError) in
            let keys = index.series(of: name).map(\.key)
            try deleteRange(seriesKeys: keys, min: .min, max: .max)
            var set = fields.withLock { $0 }
            if set.fields.removeValue(forKey: name) != nil {
                do throws(FieldsIndexError) { try set.save(path + "/fields.idx") } catch { throw .engine(error.description) }
                fields.withLock { $0 = set }
            }
            databaseSeries.remove(index.remove(measurement: name))
        }
    }

    /// `DROP SERIES` (whole time range: the series leave the index) and `DELETE` (a range).
    public func deleteSeries(_ seriesKeys: [[UInt8]], min: Int64, max: Int64) throws(StoreError) {
        try writeLock.withLock { (_) throws(StoreError) in
            try deleteRange(seriesKeys: seriesKeys, min: min, max: max)
            if min == .min && max == .max {
                // As 1.x: a measurement left without series loses its fields too.
                let measurements = Set(seriesKeys.map(ParsedSeriesKey.measurementName))
                databaseSeries.remove(index.remove(seriesKeys))
                var set = fields.withLock { $0 }
                let emptied = measurements.filter { index.series(of: $0).isEmpty && set.fields[$0] != nil }
                if !emptied.isEmpty {
                    for m in emptied { set.fields[m] = nil }
                    do throws(FieldsIndexError) { try set.save(path + "/fields.idx") } catch { throw .engine(error.description) }
                    fields.withLock { $0 = set }
                }
            } else {
                // As 1.x: a series left without any value leaves the index.
                let wanted = Set(seriesKeys)
                var alive = Set<[UInt8]>()
                for key in engine.keys {
                    let series = Self.seriesKey(ofTSMKey: key)
                    if wanted.contains(series), !alive.contains(series), (try? engine.read(key: key)) != nil { alive.insert(series) }
                }
                databaseSeries.remove(index.remove(seriesKeys.filter { !alive.contains($0) }))
            }
        }
    }

    /// Deletes `[min, max]` of every field of the given series.
    private func deleteRange(seriesKeys: [[UInt8]], min: Int64, max: Int64) throws(StoreError) {
        guard !seriesKeys.isEmpty else { return }
        let wanted = Set(seriesKeys)
        let tsmKeys = engine.keys.filter { wanted.contains(Self.seriesKey(ofTSMKey: $0)) }
        guard !tsmKeys.isEmpty else { return }
        do throws(EngineError) { try engine.deleteRange(keys: tsmKeys, min: min, max: max) } catch { throw .engine(error.description) }
    }
}
