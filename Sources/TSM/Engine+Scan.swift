import Synchronization

extension Engine {
    /// Calls `body` with the points of `key` in `[min, max]`, ascending. When one TSM file
    /// holds the key in the range, with blocks that do not overlap, no tombstone for the key
    /// and nothing cached in the range (the usual state of older data), the points come a block
    /// at a time, so memory holds one block rather than the whole range. Otherwise `body` gets
    /// the merged read once.
    public func scan(key: [UInt8], min: Int64, max: Int64, _ body: (WALValues) -> Void) throws(EngineError) {
        let streamed = try state.withLock { (s) throws(EngineError) -> Bool in
            if let cached = s.cache.values(for: key), cached.timestamps.contains(where: { $0 >= min && $0 <= max }) { return false }
            var holder: (n: Int, type: BlockType, entries: [TSMIndexEntry])?
            for (n, file) in s.files.enumerated() where file.maxTime >= min && file.minTime <= max {
                guard let (type, entries) = file.entries(for: key) else { continue }
                let inRange = entries.filter { $0.maxTime >= min && $0.minTime <= max }
                if inRange.isEmpty { continue }
                if holder != nil { return false }
                holder = (n, type, inRange)
            }
            guard let holder else { return true }  // nothing stored in range
            if !(s.tombstones[holder.n][key] ?? []).isEmpty { return false }
            for (a, b) in zip(holder.entries, holder.entries.dropFirst()) where b.minTime <= a.maxTime { return false }
            let file = s.files[holder.n]
            do throws(TSMFileError) {
                for entry in holder.entries {
                    let block = try file.blockValues(entry, type: holder.type, key: key)
                    if entry.minTime >= min && entry.maxTime <= max {
                        body(block)
                        continue
                    }
                    let part = block.excluding(min: .min, max: min == .min ? .min : min - 1).excluding(min: max == .max ? .max : max + 1, max: .max)
                    if part.count > 0 { body(part) }
                }
            } catch {
                throw .tsm(error)
            }
            return true
        }
        if !streamed, let all = try read(key: key, min: min, max: max) { body(all) }
    }
}

extension TSMReader {
    /// One block's points as type-tagged values.
    public func blockValues(_ entry: TSMIndexEntry, type: BlockType, key: [UInt8]) throws(TSMFileError) -> WALValues {
        try withBlock(entry, key: key) { (block) throws(TSMFileError) -> WALValues in
            func decode<V: TSMValue>(_: V.Type) throws(TSMFileError) -> ([Int64], [V]) {
                var ts: [Int64] = [], vs: [V] = []
                ts.reserveCapacity(TSMFormat.maxPointsPerBlock)
                vs.reserveCapacity(TSMFormat.maxPointsPerBlock)
                do throws(EncodingError) { try Block.decode(block, timestamps: &ts, values: &vs) } catch { throw .block(error) }
                return (ts, vs)
            }
            switch type {
            case .float: let r = try decode(Double.self); return .float(r.0, r.1)
            case .integer: let r = try decode(Int64.self); return .integer(r.0, r.1)
            case .unsigned: let r = try decode(UInt64.self); return .unsigned(r.0, r.1)
            case .boolean: let r = try decode(Bool.self); return .boolean(r.0, r.1)
            case .string: let r = try decode(String.self); return .string(r.0, r.1.map { Array($0.utf8) })
            }
        }
    }
}
