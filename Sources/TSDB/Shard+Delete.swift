import Synchronization
import TSI
import TSM

extension Shard {
    /// `DROP MEASUREMENT`: every value of the measurement, its fields and its series.
    public func deleteMeasurement(_ name: String) throws(StoreError) {
        try deleteLock.withLock { (_) throws(StoreError) in
            let keys = index.series(of: name).map(\.key)
            try deleteRange(seriesKeys: keys, min: .min, max: .max)
            try changeFields { set in set.fields.removeValue(forKey: name) != nil }
            try forget(index.remove(measurement: name))
        }
    }

    /// `DROP SERIES` (whole time range: the series leave the index) and `DELETE` (a range).
    public func deleteSeries(_ seriesKeys: [[UInt8]], min: Int64, max: Int64) throws(StoreError) {
        try deleteLock.withLock { (_) throws(StoreError) in
            try deleteRange(seriesKeys: seriesKeys, min: min, max: max)
            if min == .min && max == .max {
                // As 1.x: a measurement left without series loses its fields too.
                let measurements = Set(seriesKeys.map(ParsedSeriesKey.measurementName))
                try forget(index.remove(seriesKeys))
                try changeFields { set in
                    let emptied = measurements.filter { index.series(of: $0).isEmpty && set.fields[$0] != nil }
                    for m in emptied { set.fields[m] = nil }
                    return !emptied.isEmpty
                }
            } else {
                // As 1.x: a series left without any value leaves the index.
                let wanted = Set(seriesKeys)
                var alive = Set<[UInt8]>()
                for key in engine.keys {
                    let series = Self.seriesKey(ofTSMKey: key)
                    guard wanted.contains(series), !alive.contains(series) else { continue }
                    do throws(EngineError) {
                        if try engine.read(key: key) != nil { alive.insert(series) }
                    } catch {
                        throw .engine(error.description)
                    }
                }
                try forget(index.remove(seriesKeys.filter { !alive.contains($0) }))
            }
        }
    }

    /// The shard is going (retention, `DROP SHARD`, `DROP RETENTION POLICY`): its series leave
    /// the database's count, and those no other shard holds leave the series file, as 1.6's
    /// `Store.DeleteShard` removes them.
    func forgetAllSeries() {
        guard let tsi = index as? TSI1Index else {
            try? forget(index.allSeries)
            return
        }
        try? deleteFromSeriesFile(databaseSeries.unregister(tsi), tsi)
    }

    /// The shard's files are being replaced (a restore): the database stops counting its
    /// series; the series file keeps them (the restored files bring them back).
    func releaseSeries() {
        if let tsi = index as? TSI1Index { _ = databaseSeries.unregister(tsi) } else { databaseSeries.remove(index.allSeries) }
    }

    /// Series this shard's index dropped: the database no longer counts them here, and those no
    /// shard has any more leave the series file (as 1.6's engine deletes them).
    private func forget(_ removed: [ParsedSeriesKey]) throws(StoreError) {
        guard let tsi = index as? TSI1Index else {
            databaseSeries.remove(removed)
            return
        }
        guard !removed.isEmpty else { return }
        try deleteFromSeriesFile(databaseSeries.orphans(SeriesIDSet(tsi.seriesIDs(removed.map(\.key))), leaving: tsi), tsi)
    }

    private func deleteFromSeriesFile(_ ids: SeriesIDSet, _ tsi: TSI1Index) throws(StoreError) {
        for id in ids.ids {
            do throws(SeriesFileError) { try tsi.seriesFile.delete(id) } catch { throw .engine("series file: \(error)") }
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
