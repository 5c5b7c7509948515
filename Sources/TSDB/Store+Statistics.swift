import LineProtocol
import Synchronization
import TSM

/// A shard's write counters (1.x's `ShardStatistics`), bumped by ``Shard/write(_:)``.
final class ShardCounters: Sendable {
    let writeReq = Atomic<Int64>(0)
    let writeReqOk = Atomic<Int64>(0)
    let writeReqErr = Atomic<Int64>(0)
    let fieldsCreate = Atomic<Int64>(0)
    let writePointsErr = Atomic<Int64>(0)
    let writePointsDropped = Atomic<Int64>(0)
    let writePointsOk = Atomic<Int64>(0)
}

extension Shard {
    /// 1.x's `Shard.Statistics`: the `shard` statistic, then the engine's `tsm1_engine`,
    /// `tsm1_cache`, `tsm1_filestore` and `tsm1_wal`, all with the shard's tags (`database`,
    /// `retentionPolicy`, `id`, `engine` = `tsm1`, `path`, `walPath`; 1.6 has no `indexType`
    /// tag, 1.7 added it) over `tags`.
    ///
    /// `shard` fields: `writeReq`, `writeReqOk`, `writeReqErr`, `writePointsOk`,
    /// `writePointsErr` (see ``write(_:)``); `writePointsDropped` (points refused by the series
    /// limits or for a field type conflict; as in 1.x, not those dropped for a `time` tag or
    /// field); `fieldsCreate` (fields created — 1.x counts a new field once per point of the
    /// batch that has it); `seriesCreate` (series in the shard now, as 1.x reports it despite
    /// the name); `writeBytes` (bytes of shard backups — 1.x's `Shard.WriteTo`, which 1.6's
    /// engine does not implement either: always 0); `diskBytes` (TSM, tombstone and WAL files).
    public func statistics(tags: [String: String]) -> [Statistic] {
        let tags = statisticTags.merging(tags) { own, _ in own }
        let shard = Statistic(name: "shard", tags: tags, values: [
            "writeReq": .integer(counters.writeReq.load(ordering: .relaxed)),
            "writeReqOk": .integer(counters.writeReqOk.load(ordering: .relaxed)),
            "writeReqErr": .integer(counters.writeReqErr.load(ordering: .relaxed)),
            "seriesCreate": .count(index.count),
            "fieldsCreate": .integer(counters.fieldsCreate.load(ordering: .relaxed)),
            "writePointsErr": .integer(counters.writePointsErr.load(ordering: .relaxed)),
            "writePointsDropped": .integer(counters.writePointsDropped.load(ordering: .relaxed)),
            "writePointsOk": .integer(counters.writePointsOk.load(ordering: .relaxed)),
            "writeBytes": 0,
            "diskBytes": .count(engine.diskSize),
        ])
        return [shard] + engine.statistics(tags: tags)
    }
}

extension Store: StatisticsReporter {
    /// 1.x's `Store.Statistics`: a `database` statistic per database the store holds shards of
    /// (tag `database`; `numSeries` and `numMeasurements`: distinct series and measurements
    /// across its shards — exact counts where 1.x's inmem index estimates them with sketches),
    /// by name, then every open shard's statistics (``Shard/statistics(tags:)``) by shard ID.
    ///
    /// Takes the store's locks only to copy its lists of databases and shards; every value is
    /// an atomic load (no disk I/O).
    public func statistics(tags: [String: String]) -> [Statistic] {
        var statistics: [Statistic] = []
        for (name, series) in databaseSeries.sorted(by: { $0.key < $1.key }) {
            statistics.append(Statistic(name: "database", tags: ["database": name].merging(tags) { own, _ in own }, values: [
                "numMeasurements": .count(series.measurementsCount),
                "numSeries": .count(series.count),
            ]))
        }
        for shard in openShards.sorted(by: { $0.id < $1.id }) {
            statistics += shard.statistics(tags: tags)
        }
        return statistics
    }
}

extension Store {
    /// The memory the open shards' series indexes hold, estimated (1.x's `IndexBytes`, for
    /// `SHOW STATS FOR 'indexes'`).
    public var indexBytes: Int { openShards.reduce(0) { $0 + $1.index.estimatedBytes } }
}
