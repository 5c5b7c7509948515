// libFuzzer entry for WAL segments (Spec/wal.md): a segment's bytes, read as replay reads them.
// Properties checked on every input:
//   1. reading never crashes or traps, and allocates only what the segment holds: an entry's
//      length, a Snappy header's length and a key's point count are checked against the bytes
//      there before anything is allocated;
//   2. the entries read and the valid length are consistent: the prefix of that length reads to
//      the same entries with no failure, and a failure is reported exactly when bytes remain;
//   3. each entry, framed again as the engine frames it (encode, Go-compatible Snappy), reads
//      back to the same entry, bit for bit.
// Built by run.sh with Sources/TSM (see tools/fuzz/README.md).

func body(_ entry: WALEntry) -> [UInt8] {
    var out: [UInt8] = []
    entry.encode(into: &out)
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let (entries, valid, failure) = WAL.readEntries(bytes)
    require(valid <= size && (failure == nil) == (valid == size), "valid length \(valid) of \(size), failure \(String(describing: failure))")
    let prefix = WAL.readEntries(UnsafeRawBufferPointer(rebasing: bytes[..<valid]))
    require(prefix.failure == nil && prefix.valid == valid && prefix.entries.map(body) == entries.map(body), "the valid prefix reads differently")
    var scratch: [UInt8] = []
    for entry in entries {
        let framed = WAL.frame(entry, scratch: &scratch)
        let again = framed.withUnsafeBytes { WAL.readEntries($0) }
        require(again.failure == nil && again.entries.count == 1, "a framed entry does not read back: \(String(describing: again.failure))")
        require(body(again.entries[0]) == body(entry), "a framed entry reads back differently")
    }
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
