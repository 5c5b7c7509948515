// libFuzzer entry for `fields.idx` (Spec/fields-index.md): a file's bytes, decoded as a shard
// decodes it when it opens. Properties checked on every input:
//   1. decoding never crashes or traps, and a protobuf length is never trusted past the bytes
//      there (SwiftProtobuf checks it; the fuzzer's malloc limit would catch it);
//   2. an error is one of the texts the shard logs when it rebuilds the file;
//   3. a decoded set, encoded again as Sundial writes it, decodes to the same set.
// Built by run.sh with Sources/TSDB (see tools/fuzz/README.md).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFieldsIndex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let set: MeasurementFieldSet
    do throws(FieldsIndexError) {
        set = try MeasurementFieldSet.decode(bytes)
    } catch {
        switch error {
        case .unknownFormat: break
        case .corrupt(let why): require(why == "EOF" || why == "unexpected EOF" || why.hasPrefix("proto: ") || why.hasPrefix("field "), why)
        case .io(let why): fatalError("decoding reported I/O: \(why)")
        }
        return 0
    }
    let again: MeasurementFieldSet
    do throws(FieldsIndexError) { again = try MeasurementFieldSet.decode(try set.encoded()) } catch { fatalError("a written set does not decode: \(error)") }
    require(again.fields == set.fields, "the set decodes differently")
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
