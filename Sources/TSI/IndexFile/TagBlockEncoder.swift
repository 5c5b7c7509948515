/// Encodes one measurement's tag block as 1.x's `TagBlockEncoder` does (see `TagBlock`):
/// keys and values must be in strictly increasing byte order and non-empty.
enum TagBlockEncoder {
    static func encode(_ keys: [TagKeyEntry]) throws(IndexFileError) -> [UInt8] {
        var block: [UInt8] = [0]  // no element may sit at offset 0
        var placed: [(data: IndexFileSection, hash: IndexFileSection)] = []
        var previousKey: [UInt8]?
        for key in keys {
            guard !key.key.isEmpty else { throw .invalidContent("zero length tag key not allowed") }
            if let previousKey, !previousKey.lexicographicallyPrecedes(key.key) {
                throw .invalidContent(previousKey == key.key ? "tag key already encoded" : "tag key out of order")
            }
            previousKey = key.key
            let dataStart = block.count
            var table = IndexRobinHood(capacity: 0)
            var previousValue: [UInt8] = []
            for value in key.values {
                guard !value.value.isEmpty else { throw .invalidContent("zero length tag value not allowed") }
                guard previousValue.lexicographicallyPrecedes(value.value) else {
                    throw .invalidContent(previousValue == value.value ? "tag value already encoded" : "tag value out of order")
                }
                previousValue = value.value
                table.put(value.value, UInt64(block.count))
                block.append(value.isTombstoned ? TagValueElement.tombstoneFlag : 0)
                TSIVarint.append(UInt64(value.value.count), to: &block)
                block += value.value
                appendSeries(value.seriesIDs, to: &block)
            }
            let hashStart = block.count
            table.append(to: &block)
            placed.append((IndexFileSection(start: dataStart, end: hashStart), IndexFileSection(start: hashStart, end: block.count)))
        }
        let valueData = IndexFileSection(start: 1, end: block.count)

        let keyStart = block.count
        var keyTable = IndexRobinHood(capacity: keys.count)
        for (key, place) in zip(keys, placed) {
            keyTable.put(key.key, UInt64(block.count))
            block.append(key.isTombstoned ? TagKeyElement.tombstoneFlag : 0)
            for v in [place.data.offset, place.data.size, place.hash.offset, place.hash.size] { IndexBytes.append(v, to: &block) }
            TSIVarint.append(UInt64(key.key.count), to: &block)
            block += key.key
        }
        let keyData = IndexFileSection(start: keyStart, end: block.count)
        let hashStart = block.count
        keyTable.append(to: &block)
        let trailer = TagBlockTrailer(
            valueData: valueData, keyData: keyData, hashIndex: IndexFileSection(start: hashStart, end: block.count),
            blockSize: UInt64(block.count + TagBlockTrailer.size))
        return block + trailer.bytes
    }

    /// An element's series: uvarint count, uvarint byte size, then uvarint deltas (wrapping,
    /// as Go's `uint64` subtraction) from 0.
    static func appendSeries(_ ids: [UInt64], to out: inout [UInt8]) {
        var deltas: [UInt8] = []
        var previous: UInt64 = 0
        for id in ids {
            TSIVarint.append(id &- previous, to: &deltas)
            previous = id
        }
        TSIVarint.append(UInt64(ids.count), to: &out)
        TSIVarint.append(UInt64(deltas.count), to: &out)
        out += deltas
    }
}
