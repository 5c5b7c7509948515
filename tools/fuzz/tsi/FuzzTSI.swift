// libFuzzer entry for tsi1's files (Spec/tsi.md). The first input byte chooses the decoder:
// 0 a `.tsl` log file, 1 a `.tsi` index file, 2 a MANIFEST, 3 an HLL++ sketch, 4 a portable
// Roaring series-id set. Properties checked on every input:
//   1. decoding never crashes, traps or hangs, whatever the lengths and offsets say;
//   2. a log replays to its valid prefix, and its entries encoded again are those bytes;
//   3. an index file that opens yields its whole content, and that content written again
//      opens and yields the same content (measurements in name order); a MANIFEST read, written and read is the same;
//   4. a sketch or set read, written again and read is the same.
// Built by run.sh with Sources/TSI (see tools/fuzz/README.md).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTSI(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 5 {
    case 0:
        guard let replay = try? LogFileReplay(bytes) else { return 0 }
        require(LogFileReplay.encode(replay.entries) == Array(bytes[0..<replay.validLength]), "log entries encode to other bytes")
    case 1:
        guard let file = try? IndexFile(bytes: bytes), let content = try? file.content() else { return 0 }
        guard let written = try? IndexFileWriter.encode(content) else { return 0 }
        guard let again = try? IndexFile(bytes: written).content() else { fatalError("a written index file does not read") }
        // The writer puts measurements in name order, as 1.x's files have them.
        let sorted = content.measurements.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        require(again.measurements == sorted, "an index file's measurements read back differently")
    case 2:
        guard let manifest = try? Manifest(json: bytes) else { return 0 }
        guard let again = try? Manifest(json: manifest.encoded()) else { fatalError("a written MANIFEST does not read") }
        require(again == manifest, "a MANIFEST reads back differently")
    case 3:
        guard let sketch = try? HLLSketch(marshaled: bytes) else { return 0 }
        _ = sketch.count()
        guard let again = try? HLLSketch(marshaled: sketch.marshaled) else { fatalError("a written sketch does not read") }
        require(again.count() == sketch.count(), "a sketch counts differently once written")
    default:
        guard let set = try? SeriesIDSet(portable: bytes) else { return 0 }
        guard let again = try? SeriesIDSet(portable: set.portableBytes) else { fatalError("a written set does not read") }
        require(again.ids == set.ids, "a series-id set reads back differently")
    }
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
