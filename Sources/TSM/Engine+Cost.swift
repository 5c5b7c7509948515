/// What reading a key over a time range costs (1.x's `IteratorCost` for EXPLAIN).
public struct ReadCost: Sendable, Equatable {
    /// Cache values in `[min, max]`.
    public var cachedValues = 0
    /// TSM files with at least one block to read.
    public var files = 0
    /// Blocks overlapping the range and not wholly deleted, and their bytes (CRC included).
    public var blocks = 0
    public var blockBytes = 0

    public init() {}

    public static func + (a: Self, b: Self) -> Self {
        var c = a
        c.cachedValues += b.cachedValues
        c.files += b.files
        c.blocks += b.blocks
        c.blockBytes += b.blockBytes
        return c
    }
}

extension Engine {
    /// 1.x's `seriesCost`: files and blocks overlap the range strictly (`max > min && min <
    /// max`), blocks inside one tombstone are skipped; cache values count inclusively.
    public func cost(key: [UInt8], min: Int64, max: Int64) -> ReadCost {
        var cost = ReadCost()
        if let cached = cache.values(for: key) {
            cost.cachedValues = cached.timestamps.reduce(0) { $0 + ($1 >= min && $1 <= max ? 1 : 0) }
        }
        for file in fileStore.files where file.reader.maxTime > min && file.reader.minTime < max {
            guard let (_, entries) = file.reader.entries(for: key) else { continue }
            let deleted = file.tombstones(for: key)
            var read = false
            for e in entries where e.maxTime > min && e.minTime < max {
                if deleted.contains(where: { $0.min <= e.minTime && $0.max >= e.maxTime }) { continue }
                cost.blocks += 1
                cost.blockBytes += Int(e.size)
                read = true
            }
            if read { cost.files += 1 }
        }
        return cost
    }
}

extension Engine {
    /// Where the newest (or, with `newest: false`, the oldest) stored block of `key` in
    /// `[min, max]` begins (ends): a read narrowed to there still holds the last (first)
    /// point, unless deletes emptied it — the caller then reads the whole range. nil when no
    /// file holds the key in the range (only the cache may).
    public func edgeBlockBound(key: [UInt8], min: Int64, max: Int64, newest: Bool) -> Int64? {
        var best: TSMIndexEntry?
        for file in fileStore.files where file.reader.maxTime >= min && file.reader.minTime <= max {
            guard let (_, entries) = file.reader.entries(for: key) else { continue }
            for e in entries where e.maxTime >= min && e.minTime <= max {
                if let b = best, newest ? e.maxTime <= b.maxTime : e.minTime >= b.minTime { continue }
                best = e
            }
        }
        guard let best else { return nil }
        return newest ? Swift.max(best.minTime, min) : Swift.min(best.maxTime, max)
    }
}
