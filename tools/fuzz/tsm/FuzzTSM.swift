// libFuzzer entry for whole `.tsm` files (Spec/tsm-file.md), read as the engine reads them:
// written to a file on /dev/shm and opened with TSMReader. When the input's first byte is odd,
// the CRC of every block the index points at is recomputed first, so that mutations reach the
// block decoders through the reader too. Properties checked on every input:
//   1. opening never crashes or traps: a file that does not open is an invalid file (the
//      damage the engine renames `.bad`), never a system error;
//   2. an opened file's keys are strictly ascending and every block lies inside the file;
//   3. every key reads (CRC, decode, merge) or throws, without trapping;
//   4. a file whose keys all read with strictly ascending times and no NaN, written again with
//      TSMWriter, reads back to the same values, bit for bit.
// Built by run.sh with Sources/TSM (see tools/fuzz/README.md).
#if canImport(Glibc)
import Glibc
#endif
import Checksum

let inputPath = "/dev/shm/sundial-fuzz-tsm-\(getpid()).tsm"
let rewrittenPath = "/dev/shm/sundial-fuzz-tsm-\(getpid())-rewritten.tsm"
/// Removes the two files when libFuzzer exits (registered by the first input).
let removeFilesAtExit: Void = {
    atexit {
        unlink(inputPath)
        unlink(rewrittenPath)
    }
}()

func writeFile(_ bytes: UnsafeRawBufferPointer, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("open \(path): \(errno)") }
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        guard n > 0 else { fatalError("write \(path): \(errno)") }
        done += n
    }
    close(fd)
}

/// Recomputes the CRC of every block the (parseable) index points at.
func fixChecksums(_ file: inout [UInt8]) {
    let index = file.withUnsafeBytes { b in try? TSMReader.parseIndex(b) }
    guard let parsed = index else { return }
    let blocks: [(offset: Int, size: Int)] = file.withUnsafeBytes { b in
        var out: [(Int, Int)] = []
        for at in (0..<parsed.offsets.count).map({ parsed.offsets[$0] }) {
            var p = at + 2 + Int(BigEndian.load(b, at: at, as: UInt16.self))
            let count = Int(BigEndian.load(b, at: p + 1, as: UInt16.self))
            p += 3
            for _ in 0..<count {
                out.append((Int(BigEndian.load(b, at: p + 16, as: Int64.self)), Int(BigEndian.load(b, at: p + 24, as: UInt32.self))))
                p += TSMFormat.indexEntrySize
            }
        }
        return out
    }
    for (offset, size) in blocks {
        let crc = file.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<(offset + size)])) }
        for i in 0..<4 { file[offset + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
    }
}

func ascending(_ ts: [Int64]) -> Bool { zip(ts, ts.dropFirst()).allSatisfy { $0 < $1 } }

/// Values compared bit for bit (floats by their bit patterns).
func same(_ a: WALValues, _ b: WALValues) -> Bool {
    switch (a, b) {
    case (.float(let t1, let v1), .float(let t2, let v2)): t1 == t2 && v1.map(\.bitPattern) == v2.map(\.bitPattern)
    case (.integer(let t1, let v1), .integer(let t2, let v2)): t1 == t2 && v1 == v2
    case (.unsigned(let t1, let v1), .unsigned(let t2, let v2)): t1 == t2 && v1 == v2
    case (.boolean(let t1, let v1), .boolean(let t2, let v2)): t1 == t2 && v1 == v2
    case (.string(let t1, let v1), .string(let t2, let v2)): t1 == t2 && v1 == v2
    default: false
    }
}

func roundTrips(_ values: WALValues) -> Bool {
    guard !values.timestamps.isEmpty, ascending(values.timestamps) else { return false }
    if case .float(_, let vs) = values, vs.contains(where: \.isNaN) { return false }
    return true
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTSM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = removeFilesAtExit
    var file = Array(UnsafeBufferPointer(start: data, count: size))
    if let first = file.first, first & 1 == 1 { fixChecksums(&file) }
    file.withUnsafeBytes { writeFile($0, to: inputPath) }
    let reader: TSMReader
    do throws(TSMFileError) {
        reader = try TSMReader(path: inputPath)
    } catch {
        guard error.isCorruption else { fatalError("not reported as damage: \(error)") }
        return 0
    }
    var all: [(key: [UInt8], values: WALValues)] = []
    var rewritable = true
    for position in 0..<reader.keyCount {
        let key = reader.key(at: position)
        if position > 0 { require(reader.key(at: position - 1).lexicographicallyPrecedes(key), "keys out of order") }
        let (_, entries) = reader.entries(at: position)
        for entry in entries {
            require(entry.offset >= 5 && Int(entry.offset) + Int(entry.size) <= size - 8, "block out of bounds")
            _ = try? reader.withBlock(entry, key: key) { $0.count }
        }
        do throws(TSMFileError) {
            if let values = try reader.values(for: key) {
                all.append((key, values))
                if !roundTrips(values) { rewritable = false }
            }
        } catch {
            rewritable = false
        }
    }
    guard rewritable, !all.isEmpty else { return 0 }
    unlink(rewrittenPath)
    do throws(TSMFileError) {
        var writer = try TSMWriter(path: rewrittenPath)
        for (key, values) in all { try writer.write(key: key, values: values) }
        try writer.finish()
        let again = try TSMReader(path: rewrittenPath)
        require(again.keyCount == all.count, "key count changed")
        for (key, values) in all {
            guard let read = try again.values(for: key), same(read, values) else { fatalError("values of \(key) changed") }
        }
    } catch {
        fatalError("rewrite failed: \(error)")
    }
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
