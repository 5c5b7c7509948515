import Synchronization
extension Engine {
    /// A cursor over the points of `key` in `[min, max]`, in time order (`ascending` or not).
    /// It holds the TSM files it reads (a compaction cannot unmap them underneath) and the
    /// key's cached points in the range; blocks are decoded only as the cursor reaches them.
    public func cursor(key: [UInt8], min: Int64 = .min, max: Int64 = .max, ascending: Bool = true) -> SeriesCursor {
        // The cache before the files: a snapshot publishes its file before dropping its
        // points from the cache, so read in this order nothing falls between the two.
        let cached = cache.values(for: key)?.clipped(min: min, max: max)
        var parts: [SeriesCursor.Part] = []
        for (n, file) in fileStore.files.enumerated() where file.reader.maxTime >= min && file.reader.minTime <= max {
            guard let (type, entries) = file.reader.entries(for: key) else { continue }
            let tombstones = file.tombstones(for: key)
            for (i, entry) in entries.enumerated() where entry.maxTime >= min && entry.minTime <= max {
                parts.append(SeriesCursor.Part(minTime: entry.minTime, maxTime: entry.maxTime, rank: n << 16 | i,
                                               piece: .block(file.reader, type, entry, tombstones)))
            }
        }
        if let cached, cached.count > 0 {
            // Block-sized runs of one shared array (copied only when the cursor reaches
            // them), so a cursor over a large cache hands out bounded pieces.
            let times = cached.timestamps
            var start = 0
            while start < cached.count {
                let end = Swift.min(start + TSMFormat.maxPointsPerBlock, cached.count)
                parts.append(SeriesCursor.Part(minTime: times[start], maxTime: times[end - 1], rank: .max,
                                               piece: .cached(cached, start..<end)))
                start = end
            }
        }
        return SeriesCursor(key: key, min: min, max: max, ascending: ascending, parts: parts)
    }
}

/// Pulls one key's points a piece at a time, merging TSM blocks (tombstones applied) and the
/// cache: blocks whose time ranges overlap are decoded and merged together, the newest
/// winning at equal times (later file, later block, then the cache); a block that overlaps no
/// other comes alone. Memory holds one such group, not the whole range.
public struct SeriesCursor: Sendable {
    struct Part: Sendable {
        enum Piece: Sendable {
            case block(TSMReader, BlockType, TSMIndexEntry, [(min: Int64, max: Int64)])
            /// Positions of the key's cached points in range.
            case cached(WALValues, Range<Int>)
        }
        var minTime: Int64
        var maxTime: Int64
        /// Higher wins at equal timestamps.
        var rank: Int
        var piece: Piece
    }

    let key: [UInt8]
    let min: Int64
    let max: Int64
    /// Whether pieces come oldest first.
    public let ascending: Bool
    var parts: [Part]

    init(key: [UInt8], min: Int64, max: Int64, ascending: Bool, parts: [Part]) {
        self.key = key
        self.min = min
        self.max = max
        self.ascending = ascending
        // The next part to hand out is last.
        self.parts = ascending
            ? parts.sorted { ($0.minTime, $0.rank) > ($1.minTime, $1.rank) }
            : parts.sorted { ($0.maxTime, $0.rank) < ($1.maxTime, $1.rank) }
    }

    /// Whether nothing is left to read.
    public var isEmpty: Bool { parts.isEmpty }

    /// The next non-empty piece in the cursor's order (each piece itself in that order), or
    /// nil at the end.
    public mutating func next() throws(EngineError) -> WALValues? {
        while let first = parts.popLast() {
            var group = [first]
            var lo = first.minTime, hi = first.maxTime
            while let p = parts.last, ascending ? p.minTime <= hi : p.maxTime >= lo {
                group.append(parts.removeLast())
                lo = Swift.min(lo, p.minTime)
                hi = Swift.max(hi, p.maxTime)
            }
            if group.count > 1 { group.sort { $0.rank < $1.rank } }
            var merged: WALValues?
            for part in group {
                let values = try decode(part)
                if merged == nil || !merged!.append(values) {
                    merged = values  // a type changed: the newer data wins, as a full read does
                }
            }
            guard var out = merged else { continue }
            if group.count > 1 { out = out.deduplicated() }
            out = out.clipped(min: min, max: max)
            guard out.count > 0 else { continue }
            return ascending ? out : out.reversed()
        }
        return nil
    }

    /// What a compaction takes from the cursor: a block to copy as it is, or points.
    enum CompactionPiece {
        case block(TSMReader, TSMIndexEntry)
        case values(WALValues)
    }

    /// ``next()`` for a compaction: a part that overlaps no other and is a full block
    /// (``TSMFormat/maxPointsPerBlock`` points) with no tombstone over it comes back undecoded.
    mutating func nextForCompaction() throws(EngineError) -> CompactionPiece? {
        if let last = parts.last, case .block(let reader, _, let entry, let tombstones) = last.piece,
           !tombstones.contains(where: { $0.max >= entry.minTime && $0.min <= entry.maxTime }),
           parts.count < 2 || parts[parts.count - 2].minTime > entry.maxTime {
            let full: Bool
            do throws(TSMFileError) {
                full = try reader.withBlock(entry, key: key) { (block) throws(TSMFileError) -> Bool in
                    do throws(EncodingError) { return try Block.count(of: block) == TSMFormat.maxPointsPerBlock } catch { throw .block(error) }
                }
            } catch {
                throw .read(path: reader.path, error)
            }
            if full {
                parts.removeLast()
                return .block(reader, entry)
            }
        }
        return try next().map { .values($0) }
    }

    private func decode(_ part: Part) throws(EngineError) -> WALValues {
        switch part.piece {
        case .cached(let values, let run):
            return values.subrange(run)
        case .block(let file, let type, let entry, let tombstones):
            do throws(TSMFileError) {
                var values = try file.blockValues(entry, type: type, key: key)
                for t in tombstones where t.max >= entry.minTime && t.min <= entry.maxTime {
                    values = values.excluding(min: t.min, max: t.max)
                }
                return values
            } catch {
                throw .read(path: file.path, error)
            }
        }
    }
}
