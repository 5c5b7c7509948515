#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checksum

/// Writes one `.tsm` file the way 1.x's `tsmWriter` does: header, CRC-prefixed blocks, the
/// index (keys in byte order, each key's blocks in time order), the index offset; then fsync.
///
/// Keys must arrive in ascending byte order with all of a key's blocks together, as the cache
/// snapshot and the compactor produce them. Not thread-safe: one writer, one task.
public struct TSMWriter: ~Copyable {
    private let fd: Int32
    /// The path being written.
    public let path: String
    private var buffer: [UInt8] = []
    private var written: Int64 = 0
    private var index: [UInt8] = []
    /// The current key, its block type and entries, not yet in `index`.
    private var currentKey: [UInt8]?
    private var currentType: BlockType = .float
    private var currentEntries: [TSMIndexEntry] = []
    private var finished = false
    /// Reused for every block this writer encodes.
    private var scratch: [UInt8] = []
    /// Where the index goes once it passes `indexSpillSize` bytes (-1: not yet), as 1.6's
    /// compactor moves a large index to a disk buffer: at millions of series a file's index is
    /// gigabytes, and held in memory it was most of the server's RSS during a compaction.
    private var spill: Int32 = -1
    private let indexSpillSize: Int

    /// Bytes buffered before a `write(2)`.
    private static let flushSize = 1 << 20

    /// Creates `path`, which must not exist. The index is kept in memory up to
    /// `indexSpillSize` bytes (1.6's 64 MiB), then in `<path>.idx.tmp` until ``finish()``.
    public init(path: String, indexSpillSize: Int = 64 << 20) throws(TSMFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        self.fd = fd
        self.path = path
        self.indexSpillSize = max(1, indexSpillSize)
    }

    deinit {
        close(fd)
        if !finished { unlink(path) }
        if spill >= 0 {
            close(spill)
            unlink(spillPath)
        }
    }

    /// The index's disk buffer (a `.tmp` name: a crash leaves it to the engine's clean-up).
    private var spillPath: String { path + ".idx.tmp" }

    /// Encodes `values` as blocks of at most ``TSMFormat/maxPointsPerBlock`` points (1.x's
    /// cache snapshot chunking). Timestamps must be ascending and unique.
    public mutating func write<V: TSMValue>(key: [UInt8], timestamps: [Int64], values: [V], flavor: EncoderFlavor = .streaming) throws(TSMFileError) {
        guard timestamps.count == values.count else { throw .block(.countMismatch(timestamps: timestamps.count, values: values.count)) }
        var start = 0
        // One scratch buffer for every block of the file, encoded straight from the arrays.
        var block = scratch
        scratch = []
        defer { scratch = block }
        while start < timestamps.count {
            let end = min(start + TSMFormat.maxPointsPerBlock, timestamps.count)
            block.removeAll(keepingCapacity: true)
            let encoded: Result<Void, EncodingError> = timestamps.withUnsafeBufferPointer { ts in
                values.withUnsafeBufferPointer { vs in
                    do throws(EncodingError) {
                        try Block.encode(timestamps: UnsafeBufferPointer(rebasing: ts[start..<end]), values: UnsafeBufferPointer(rebasing: vs[start..<end]),
                                         flavor: flavor, into: &block)
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
            }
            if case .failure(let error) = encoded { throw .block(error) }
            try writeBlock(key: key, minTime: timestamps[start], maxTime: timestamps[end - 1], block: block)
            start = end
        }
    }

    /// Appends an already encoded block (what compaction copies unchanged).
    public mutating func writeBlock(key: [UInt8], minTime: Int64, maxTime: Int64, block: [UInt8]) throws(TSMFileError) {
        let result: Result<Void, TSMFileError> = block.withUnsafeBytes { raw in
            do throws(TSMFileError) {
                try writeBlock(key: key, minTime: minTime, maxTime: maxTime, bytes: raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Appends an already encoded block from memory it does not keep (a mapped TSM file).
    public mutating func writeBlock(key: [UInt8], minTime: Int64, maxTime: Int64, bytes block: UnsafeRawBufferPointer) throws(TSMFileError) {
        guard key.count <= TSMFormat.maxKeyLength else { throw .maxKeyLengthExceeded }
        guard !block.isEmpty else { return }
        guard let type = BlockType(rawValue: block[0]) else { throw .block(.unknownBlockType(block[0])) }
        if let current = currentKey, current == key {
            guard type == currentType, let last = currentEntries.last, minTime > last.maxTime else { throw .keyOrder }
        } else {
            if let current = currentKey {
                guard ByteKey(current) < ByteKey(key) else { throw .keyOrder }
                try appendIndex(key: current)
            }
            currentKey = key
            currentType = type
            currentEntries.removeAll(keepingCapacity: true)
        }
        if written == 0 {
            BigEndian.append(TSMFormat.magic, to: &buffer)
            buffer.append(TSMFormat.version)
            written = Int64(TSMFormat.headerSize)
        }
        BigEndian.append(CRC32.checksum(block), to: &buffer)
        buffer.append(contentsOf: block)
        let size = UInt32(TSMFormat.checksumSize + block.count)
        currentEntries.append(TSMIndexEntry(minTime: minTime, maxTime: maxTime, offset: written, size: size))
        written += Int64(size)
        if buffer.count >= Self.flushSize { try flush() }
        if currentEntries.count >= TSMFormat.maxIndexEntries { throw .maxBlocksExceeded }
    }

    /// Writes the index and footer, fsyncs and closes the file. Throws ``TSMFileError/noValues``
    /// (and removes the file) if no block was written.
    public consuming func finish() throws(TSMFileError) {
        guard let current = currentKey else { throw .noValues }
        try appendIndex(key: current)
        let indexOffset = written
        try flush()
        if spill >= 0 {
            // The spilled part first, in 1 MiB pieces, then what is still in memory.
            guard lseek(spill, 0, SEEK_SET) == 0 else { throw .io("seek", path: spillPath, errno: errno) }
            try FileIO.copy(spill, path: spillPath, to: fd, path: path)
        }
        try FileIO.writeAll(fd, index, path: path)
        BigEndian.append(UInt64(indexOffset), to: &buffer)
        try flush()
        guard fsync(fd) == 0 else { throw .io("fsync", path: path, errno: errno) }
        finished = true
    }

    /// Bytes written so far (blocks only; the index comes at `finish`).
    public var size: Int64 { written }

    private mutating func appendIndex(key: [UInt8]) throws(TSMFileError) {
        BigEndian.append(UInt16(key.count), to: &index)
        index += key
        index.append(currentType.rawValue)
        BigEndian.append(UInt16(currentEntries.count), to: &index)
        for e in currentEntries {
            BigEndian.append(e.minTime, to: &index)
            BigEndian.append(e.maxTime, to: &index)
            BigEndian.append(e.offset, to: &index)
            BigEndian.append(e.size, to: &index)
        }
        if index.count >= indexSpillSize { try spillIndex() }
    }

    /// Moves the index built so far to the disk buffer.
    private mutating func spillIndex() throws(TSMFileError) {
        if spill < 0 {
            spill = open(spillPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard spill >= 0 else { throw .io("open", path: spillPath, errno: errno) }
        }
        try FileIO.writeAll(spill, index, path: spillPath)
        index.removeAll(keepingCapacity: true)
    }

    private mutating func flush() throws(TSMFileError) {
        try FileIO.writeAll(fd, buffer, path: path)
        buffer.removeAll(keepingCapacity: true)
    }
}
