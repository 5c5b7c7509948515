// A Swift implementation of the block compressor of `github.com/golang/snappy` (the revision
// vendored by InfluxDB 1.6–1.8). Any Snappy decoder reads libsnappy's output, but InfluxDB's
// files are produced by the Go library, whose greedy matcher makes different choices from the
// C++ one; reproducing its choices is the only way to write byte-identical TSM string blocks.
//
// The rules reproduced (facts of the Go library, written in our own code):
// - header: uvarint of the uncompressed length;
// - the input is cut into 64 KiB pieces, each compressed independently;
// - a piece shorter than 17 bytes is one literal;
// - otherwise a hash table of 2^8…2^14 UInt16 slots (smallest power of two ≥ the piece, capped),
//   hash = (le32 * 0x1e35a7bd) >> shift, lookups skipping ahead faster the longer no match is
//   found (skip/32), the last 15 bytes never start a match, copies are emitted as copy-2 chunks
//   of 64 while ≥ 68 remain, one of 60 if > 64 remain, then copy-1 when length < 12 and
//   offset < 2048, else copy-2.

extension Snappy {
    private static let goMaxBlockSize = 65536
    private static let goInputMargin = 15
    private static let goMinNonLiteralBlockSize = 1 + 1 + goInputMargin
    private static let goMaxTableSize = 1 << 14

    /// Compresses `input` exactly as `github.com/golang/snappy`'s `Encode` does, appending the
    /// Snappy block to `out`.
    public static func compressGoCompatible(_ input: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) {
        out.reserveCapacity(out.count + 32 + input.count + input.count / 6)
        var n = UInt64(input.count)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        guard input.count > 0 else { return }
        // One table for every piece; encodeBlock clears the part it uses.
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: goMaxTableSize) { table in
            var start = 0
            while start < input.count {
                let end = min(start + goMaxBlockSize, input.count)
                let piece = UnsafeRawBufferPointer(rebasing: input[start..<end])
                if piece.count < goMinNonLiteralBlockSize {
                    emitLiteral(piece, into: &out)
                } else {
                    encodeBlock(piece, table: table, into: &out)
                }
                start = end
            }
        }
    }

    /// Compresses `input` exactly as `github.com/golang/snappy`'s `Encode` does.
    public static func compressGoCompatible(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        input.withUnsafeBytes { compressGoCompatible($0, appendingTo: &out) }
        return out
    }

    @inline(__always)
    private static func load32(_ src: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(littleEndian: src.loadUnaligned(fromByteOffset: i, as: UInt32.self))
    }

    @inline(__always)
    private static func load64(_ src: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: src.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    @inline(__always)
    private static func hash(_ u: UInt32, _ shift: UInt32) -> Int {
        Int((u &* 0x1e35_a7bd) >> shift)
    }

    private static func emitLiteral(_ lit: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = lit.count - 1
        if n < 60 {
            out.append(UInt8(n) << 2)
        } else if n < 1 << 8 {
            out.append(60 << 2)
            out.append(UInt8(n))
        } else {
            // Pieces are ≤ 64 KiB, so two length bytes always suffice.
            out.append(61 << 2)
            out.append(UInt8(truncatingIfNeeded: n))
            out.append(UInt8(truncatingIfNeeded: n >> 8))
        }
        out.append(contentsOf: lit)
    }

    private static func emitCopy(offset: Int, length: Int, into out: inout [UInt8]) {
        let off0 = UInt8(truncatingIfNeeded: offset)
        let off1 = UInt8(truncatingIfNeeded: offset >> 8)
        var length = length
        while length >= 68 {
            out.append(63 << 2 | 2)
            out.append(off0)
            out.append(off1)
            length -= 64
        }
        if length > 64 {
            out.append(59 << 2 | 2)
            out.append(off0)
            out.append(off1)
            length -= 60
        }
        if length >= 12 || offset >= 2048 {
            out.append(UInt8(length - 1) << 2 | 2)
            out.append(off0)
            out.append(off1)
        } else {
            out.append(off1 << 5 | UInt8(length - 4) << 2 | 1)
            out.append(off0)
        }
    }

    private static func encodeBlock(
        _ src: UnsafeRawBufferPointer, table: UnsafeMutableBufferPointer<UInt16>, into out: inout [UInt8]
    ) {
        var shift: UInt32 = 32 - 8
        var tableSize = 1 << 8
        while tableSize < goMaxTableSize && tableSize < src.count {
            tableSize *= 2
            shift -= 1
        }
        let mask = goMaxTableSize - 1
        // Only slots below tableSize can be hit (hash < 2^(32-shift) == tableSize).
        for i in 0..<tableSize { table[i] = 0 }

        let sLimit = src.count - goInputMargin
        var nextEmit = 0
        var s = 1
        var nextHash = hash(load32(src, s), shift)

        outer: while true {
            var skip = 32
            var nextS = s
            var candidate = 0
            while true {
                s = nextS
                let step = skip >> 5
                nextS = s + step
                skip += step
                if nextS > sLimit { break outer }
                candidate = Int(table[nextHash & mask])
                table[nextHash & mask] = UInt16(truncatingIfNeeded: s)
                nextHash = hash(load32(src, nextS), shift)
                if load32(src, s) == load32(src, candidate) { break }
            }

            emitLiteral(UnsafeRawBufferPointer(rebasing: src[nextEmit..<s]), into: &out)

            while true {
                let base = s
                s += 4
                var i = candidate + 4
                while s < src.count && src[i] == src[s] {
                    i += 1
                    s += 1
                }
                emitCopy(offset: base - candidate, length: s - base, into: &out)
                nextEmit = s
                if s >= sLimit { break outer }

                let x = load64(src, s - 1)
                let prevHash = hash(UInt32(truncatingIfNeeded: x), shift)
                table[prevHash & mask] = UInt16(truncatingIfNeeded: s - 1)
                let currHash = hash(UInt32(truncatingIfNeeded: x >> 8), shift)
                candidate = Int(table[currHash & mask])
                table[currHash & mask] = UInt16(truncatingIfNeeded: s)
                if UInt32(truncatingIfNeeded: x >> 8) != load32(src, candidate) {
                    nextHash = hash(UInt32(truncatingIfNeeded: x >> 16), shift)
                    s += 1
                    break
                }
            }
        }

        if nextEmit < src.count {
            emitLiteral(UnsafeRawBufferPointer(rebasing: src[nextEmit..<src.count]), into: &out)
        }
    }
}
