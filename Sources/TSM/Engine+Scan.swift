extension Engine {
    /// Calls `body` with the points of `key` in `[min, max]`, ascending, a piece at a time
    /// (``SeriesCursor``): memory holds one block, or one group of overlapping blocks.
    public func scan(key: [UInt8], min: Int64, max: Int64, _ body: (WALValues) -> Void) throws(EngineError) {
        var cursor = self.cursor(key: key, min: min, max: max)
        while let piece = try cursor.next() { body(piece) }
    }
}

extension TSMReader {
    /// One block's points as type-tagged values.
    public func blockValues(_ entry: TSMIndexEntry, type: BlockType, key: [UInt8]) throws(TSMFileError) -> WALValues {
        try withBlock(entry, key: key) { (block) throws(TSMFileError) -> WALValues in
            func decode<V: TSMValue>(_: V.Type) throws(TSMFileError) -> ([Int64], [V]) {
                var ts: [Int64] = [], vs: [V] = []
                // Sized from the block's own count: compactions of high-cardinality shards
                // decode many blocks of a few points.
                let count = (try? Block.count(of: block)) ?? TSMFormat.maxPointsPerBlock
                ts.reserveCapacity(Swift.min(count, TSMFormat.maxPointsPerBlock))
                vs.reserveCapacity(Swift.min(count, TSMFormat.maxPointsPerBlock))
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
