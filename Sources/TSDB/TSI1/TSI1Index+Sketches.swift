import Synchronization
import TSI

extension TSI1Index {
    /// The measurement names 1.6's measurement sketches hold for this shard: every name its
    /// files and writes ever brought (`live`), and every name dropped (`dropped`), a name in
    /// both once dropped and written again (`Spec/tsi.md` §5).
    public struct MeasurementNames: Sendable {
        public var live = Set<[UInt8]>()
        public var dropped = Set<[UInt8]>()
    }

    /// 1.6's `SHOW MEASUREMENT CARDINALITY` over tsi1 shards: the names' sketches merged into
    /// dense sketches (as each shard's index merges its files' sketches at open), then
    /// `Count(live) − Count(dropped)` in unsigned arithmetic shown as signed.
    public static func measurementCardinalityEstimate(_ indexes: [TSI1Index]) -> Int64 {
        var live = Set<[UInt8]>(), dropped = Set<[UInt8]>()
        for index in indexes {
            let names = index.measurementNames.withLock { $0 }
            live.formUnion(names.live)
            dropped.formUnion(names.dropped)
        }
        return Int64(bitPattern: denseCount(live) &- denseCount(dropped))
    }

    /// 1.6's `SHOW SERIES CARDINALITY` over tsi1 shards: the size of the union of their
    /// series id sets (`Store.SeriesCardinality`).
    public static func seriesCardinality(_ indexes: [TSI1Index]) -> Int64 {
        var ids = SeriesIDSet()
        for index in indexes { ids.formUnion(index.seriesIDSet) }
        return Int64(ids.count)
    }

    private static func denseCount(_ names: Set<[UInt8]>) -> UInt64 {
        var sparse = HLLSketch.empty
        for name in names { sparse.add(name) }
        var dense = HLLSketch.empty
        try? dense.merge(sparse)
        return dense.count()
    }
}
