// libFuzzer entry for TSM blocks of every type and encoding (Spec/tsm-encodings.md): the bytes
// after a block's CRC. Properties checked on every input:
//   1. decoding never crashes or traps, and allocates only what the block can hold (a count
//      beyond TSMLimits.maxValuesPerBlock is an error, never an allocation);
//   2. a decoded block has as many points as Block.count(of:) says;
//   3. a decoded block with strictly ascending times (and no NaN), encoded again with either of
//      1.x's encoders, decodes to the same points, bit for bit.
// Built by run.sh with Sources/TSM (see tools/fuzz/README.md).

func check<V: TSMValue>(_ block: UnsafeRawBufferPointer, _: V.Type, same: ([V], [V]) -> Bool) {
    var ts: [Int64] = [], vs: [V] = []
    do throws(EncodingError) {
        try Block.decode(block, timestamps: &ts, values: &vs)
    } catch {
        require(ts.isEmpty && vs.isEmpty, "a failed decode left values behind")
        return
    }
    require(ts.count == vs.count, "count mismatch")
    require((try? Block.count(of: block)) == ts.count, "Block.count disagrees with the decoded block")
    guard !ts.isEmpty, zip(ts, ts.dropFirst()).allSatisfy({ $0 < $1 }) else { return }
    if let floats = vs as? [Double], floats.contains(where: \.isNaN) { return }
    for flavor in [EncoderFlavor.streaming, .batch] {
        var encoded: [UInt8] = []
        do throws(EncodingError) {
            try Block.encode(timestamps: ts, values: vs, flavor: flavor, into: &encoded)
        } catch {
            fatalError("a decoded block does not encode again: \(error)")
        }
        var ts2: [Int64] = [], vs2: [V] = []
        do throws(EncodingError) {
            try Block.decode(encoded, timestamps: &ts2, values: &vs2)
        } catch {
            fatalError("a re-encoded block does not decode: \(error)")
        }
        require(ts2 == ts && same(vs2, vs), "the re-encoded block decodes differently (\(flavor))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTSMBlock(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let block = UnsafeRawBufferPointer(start: data, count: size)
    switch block.first.flatMap(BlockType.init(rawValue:)) {
    case .float?: check(block, Double.self) { $0.map(\.bitPattern) == $1.map(\.bitPattern) }
    case .integer?: check(block, Int64.self, same: ==)
    case .unsigned?: check(block, UInt64.self, same: ==)
    case .boolean?: check(block, Bool.self, same: ==)
    case .string?: check(block, String.self) { $0.map { Array($0.utf8) } == $1.map { Array($0.utf8) } }
    case nil:
        do throws(EncodingError) { _ = try Block.type(of: block); fatalError("an unknown type was accepted") } catch {}
    }
    return 0
}

/// `precondition` that also says why in optimised builds (where precondition only traps).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
