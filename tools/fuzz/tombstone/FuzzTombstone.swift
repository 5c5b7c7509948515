// libFuzzer entry for `.tombstone` files (Spec/tombstone.md), any version. Properties checked
// on every input:
//   1. decoding never crashes or traps, and a record's key length is checked against the bytes
//      left before it is read (gzip may still inflate to more than the file: that is data);
//   2. an error is one of 1.x's texts (gzip, flate, unexpected EOF);
//   3. the tombstones read, written again as 1.x 1.6 writes them (version 4: header and one
//      gzip member of records), read back to the same tombstones in the same order.
// Built by run.sh with Sources/TSM (see tools/fuzz/README.md).
import Gzip

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTombstone(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let tombstones: [Tombstone]
    do throws(TombstoneError) {
        tombstones = try TombstoneFile.decode(bytes)
    } catch {
        guard case .corrupt(let why) = error,
              ["unexpected EOF", "EOF", "gzip: invalid header", "gzip: invalid checksum"].contains(why) || why.hasPrefix("flate: ") else {
            fatalError("unexpected error: \(error)")
        }
        return 0
    }
    var v4: [UInt8] = [0, 0, 0x15, 0x04]
    v4 += GzipStream.encode(TombstoneFile.encode(tombstones))
    let again: [Tombstone]
    do throws(TombstoneError) { again = try TombstoneFile.decode(v4) } catch { fatalError("a written tombstone file does not read: \(error)") }
    require(again == tombstones, "the tombstones read back differently")
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
