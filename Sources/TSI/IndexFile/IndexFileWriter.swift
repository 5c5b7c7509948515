/// Writes index files byte for byte as 1.6 compacts them (`LogFile.CompactTo` and
/// `IndexFiles.CompactTo` share the layout; see `IndexFile`).
///
/// Two parts of 1.6's output depend on Go's randomised map iteration and so are not fixed by
/// the content: the order of a sparse sketch's pending hashes (kept as given here), and the
/// order of measurements that share a home slot in the measurement hash index (1.6 inserts
/// names in map order; this writer inserts them in name order). Everything else is
/// determined, and written identically.
public enum IndexFileWriter {
    /// The file's bytes.
    public static func encode(_ content: IndexFileContent) throws(IndexFileError) -> [UInt8] {
        let measurements = content.measurements.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        for (a, b) in zip(measurements, measurements.dropFirst()) where a.name == b.name {
            throw .invalidContent("measurement \(String(decoding: a.name, as: UTF8.self)) given twice")
        }
        var out = IndexFileTrailer.magic
        var tagBlocks: [IndexFileSection] = []
        for m in measurements {
            let start = out.count
            out += try TagBlockEncoder.encode(m.tagKeys)
            tagBlocks.append(IndexFileSection(start: start, end: out.count))
        }

        let blockStart = out.count
        out += measurementBlock(measurements, tagBlocks: tagBlocks, content: content)
        let block = IndexFileSection(start: blockStart, end: out.count)

        func append(_ bytes: [UInt8]) -> IndexFileSection {
            let start = out.count
            out += bytes
            return IndexFileSection(start: start, end: out.count)
        }
        let set = append(content.seriesIDSet.portableBytes)
        let tombstones = append(content.tombstoneSeriesIDSet.portableBytes)
        let sketch = append(content.seriesSketch.marshaled)
        let tombstoneSketch = append(content.tombstoneSeriesSketch.marshaled)
        let trailer = IndexFileTrailer(
            measurementBlock: block, seriesIDSet: set, tombstoneSeriesIDSet: tombstones,
            seriesSketch: sketch, tombstoneSeriesSketch: tombstoneSketch)
        return out + trailer.bytes
    }

    /// 1.x's `MeasurementBlockWriter.WriteTo`; offsets inside are relative to the block.
    static func measurementBlock(_ measurements: [MeasurementEntry], tagBlocks: [IndexFileSection], content: IndexFileContent) -> [UInt8] {
        var block: [UInt8] = [0]  // so that no element sits at offset 0
        var table = IndexRobinHood(capacity: measurements.count)
        var sketch = HLLSketch.empty, tombstoneSketch = HLLSketch.empty
        for (m, tagBlock) in zip(measurements, tagBlocks) {
            table.put(m.name, UInt64(block.count))
            block.append(m.isTombstoned ? MeasurementElement.tombstoneFlag : 0)
            IndexBytes.append(tagBlock.offset, to: &block)
            IndexBytes.append(tagBlock.size, to: &block)
            TSIVarint.append(UInt64(m.name.count), to: &block)
            block += m.name
            TagBlockEncoder.appendSeries(m.seriesIDs, to: &block)
            if m.isTombstoned { tombstoneSketch.add(m.name) } else { sketch.add(m.name) }
        }
        let data = IndexFileSection(start: 0, end: block.count)
        let hashStart = block.count
        table.append(to: &block)
        let hashIndex = IndexFileSection(start: hashStart, end: block.count)
        let sketchStart = block.count
        block += (content.measurementSketch ?? sketch).marshaled
        let sketchSection = IndexFileSection(start: sketchStart, end: block.count)
        let tombstoneStart = block.count
        block += (content.tombstoneMeasurementSketch ?? tombstoneSketch).marshaled
        let trailer = MeasurementBlockTrailer(
            data: data, hashIndex: hashIndex, sketch: sketchSection,
            tombstoneSketch: IndexFileSection(start: tombstoneStart, end: block.count))
        return block + trailer.bytes
    }
}
