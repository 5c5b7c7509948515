/// A whole tsi1 log file read the way InfluxDB 1.6 replays it when it opens a partition
/// (`LogFile.open`): entries from offset 0, one after another, until the bytes run out.
///
/// An entry cut short or failing its checksum ends the replay quietly: 1.6 keeps the
/// entries before it, takes their end as the file's size and **does not truncate** the
/// file — it seeks there and its next append overwrites the damaged bytes in place (any
/// longer damaged tail stays behind the new entries). A uvarint that overflows 64 bits is
/// an error instead (the partition, and so the shard, fails to open), and so is a length
/// 1.6 would panic on; those throw.
public struct LogFileReplay: Sendable, Equatable {
    /// The entries replay executes, in file order.
    public let entries: [LogEntry]
    /// Where each entry starts, parallel to `entries`.
    public let offsets: [Int]
    /// The bytes replay keeps: where the last good entry ends. 1.6 appends from here.
    public let validLength: Int
    /// The size of the bytes read.
    public let fileLength: Int
    /// Why replay stopped before `fileLength` (a `truncated` or `checksumMismatch` at
    /// `validLength`), or nil when every byte belongs to an entry.
    public let stop: LogFileError?

    /// Replays `bytes`; throws only where 1.6 would fail to open the file.
    public init(_ bytes: UnsafeRawBufferPointer) throws(LogFileError) {
        var entries: [LogEntry] = []
        var offsets: [Int] = []
        var at = 0
        var stop: LogFileError?
        while at < bytes.count {
            do throws(LogFileError) {
                let (entry, size) = try LogEntry.decode(bytes, at: at)
                entries.append(entry)
                offsets.append(at)
                at += size
            } catch {
                guard error.endsReplay else { throw error }
                stop = error
                break
            }
        }
        self.entries = entries
        self.offsets = offsets
        self.validLength = at
        self.fileLength = bytes.count
        self.stop = stop
    }

    /// Replays a file's bytes (see the buffer-pointer variant).
    public init(_ bytes: [UInt8]) throws(LogFileError) {
        let result: Result<LogFileReplay, LogFileError> = bytes.withUnsafeBytes { b in
            Result { () throws(LogFileError) in try LogFileReplay(b) }
        }
        self = try result.get()
    }

    /// Reads and replays the log file at `path`.
    public static func read(path: String) throws(LogFileError) -> LogFileReplay {
        let bytes: [UInt8]
        do throws(GoFileIO.Failure) {
            bytes = try GoFileIO.contents(of: path)
        } catch {
            throw .io(error.text)
        }
        return try LogFileReplay(bytes)
    }

    /// True when replay used every byte (no damaged tail).
    public var isClean: Bool { stop == nil }

    /// The bytes of a log file holding `entries`, as 1.6 appends them.
    public static func encode(_ entries: [LogEntry]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + $1.encodedSize })
        for entry in entries { entry.encode(into: &out) }
        return out
    }
}
