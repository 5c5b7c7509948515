#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import Synchronization

/// 1.x's HTTP access log (`[http] log-enabled`, `access-log-path`, `access-log-status-filters`):
/// one Common Log Format line per answered request (``AccessLogLine``), appended to
/// `access-log-path` or, when that is empty, written to stderr after an `[httpd] ` prefix.
///
/// Requests never wait for the disk: a line is copied into a bounded buffer under a lock held
/// only for the copy, and a thread of the log's own writes the buffer out. When the buffer is
/// full (the disk or the terminal is slower than the requests), the line is dropped and
/// counted in ``droppedLines`` instead of holding the request back.
public final class AccessLog: Sendable {
    /// Where lines go once ``open(logger:)`` has run.
    public enum Destination: Sendable, Equatable {
        case stderr
        case file(String)
    }

    /// Bytes of lines waiting for the writer thread before new lines are dropped.
    public let capacity: Int
    let path: String
    let configuredFilters: [StatusFilter]

    private struct State {
        var pending: [UInt8] = []
        /// The writer is waiting for lines with none pending (the next line wakes it).
        var sleeping = false
        /// The writer has been woken early to make room (once per batch).
        var urged = false
        var closed = false
        var open = false
        /// Woken once the writer thread has written what was pending at `close` and exited.
        var exited: CheckedContinuation<Void, Never>?
        var fd: Int32 = -1
        var ownsDescriptor = false
        var prefix: [UInt8] = []
        var destination = Destination.stderr
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let dropped = Atomic<Int>(0)
    /// Whether lines are being taken (between `open` and `close`): read without the lock, so
    /// that a handler whose log was never opened does not build lines.
    private let taking = Atomic<Bool>(false)
    /// Whether `configuredFilters` apply (not after falling back to stderr, as in 1.x).
    private let filtersApply = Atomic<Bool>(true)
    private let writeFailures = Atomic<Int>(0)

    /// An access log for `path` ("" for stderr) keeping the lines whose status matches one of
    /// `filters` (every line when there are none).
    public init(path: String, filters: [StatusFilter] = [], capacity: Int = 1 << 20) {
        self.path = path
        self.configuredFilters = filters
        self.capacity = capacity
    }

    /// Whether the log is open and takes lines.
    public var isOpen: Bool { taking.load(ordering: .relaxed) }

    /// Lines dropped because the buffer was full.
    public var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Writes that failed (the line is lost; the log stays open, as Go's `log.Logger` does).
    public var failedWrites: Int { writeFailures.load(ordering: .relaxed) }

    /// Where lines go now.
    public var destination: Destination { state.withLock { $0.destination } }

    /// 1.x's `Handler.Open`: opens `access-log-path` for appending (created with mode 0666 less
    /// the umask) or uses stderr, logs where, and starts the writer thread. A file that cannot
    /// be opened falls back to stderr, and then — as in 1.x, which returns before setting them —
    /// the status filters are not applied.
    public func open(logger: Logger) {
        var fd: Int32 = 2
        var owns = false
        var prefix = Array("[httpd] ".utf8)
        var filtersApply = true
        var destination = Destination.stderr
        if !path.isEmpty {
            let opened = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
            if opened < 0 {
                let error = String(cString: strerror(errno))
                logger.error("unable to open access log, falling back to stderr", metadata: ["error": "open \(path): \(error)", "path": "\(path)"])
                filtersApply = false
            } else {
                fd = opened
                owns = true
                prefix = []
                destination = .file(path)
                logger.info("opened HTTP access log", metadata: ["path": "\(path)"])
            }
        } else {
            logger.info("opened HTTP access log", metadata: ["path": "stderr"])
        }
        let started = state.withLock { s -> Bool in
            guard !s.open else { return false }
            s.open = true
            s.closed = false
            s.fd = fd
            s.ownsDescriptor = owns
            s.prefix = prefix
            s.destination = destination
            return true
        }
        self.filtersApply.store(filtersApply, ordering: .relaxed)
        guard started else {
            if owns { Glibc.close(fd) }
            return
        }
        taking.store(true, ordering: .relaxed)
        let thread = Thread { [self] in writerLoop() }
        thread.name = "access-log"
        thread.start()
    }

    /// Writes out what is pending, stops the writer thread and closes the file.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let running = state.withLock { s -> Bool in
                guard s.open, !s.closed else { return false }
                taking.store(false, ordering: .relaxed)
                s.closed = true
                s.exited = continuation
                return true
            }
            if running { wake.signal() } else { continuation.resume() }
        }
    }

    /// Whether a line for `status` is to be written (a filter matches, or none applies).
    func accepts(status: Int) -> Bool {
        configuredFilters.isEmpty || !filtersApply.load(ordering: .relaxed) || StatusFilter.match(configuredFilters, status)
    }

    /// Hands `line` (without its newline) to the writer thread; drops it when the buffer is full.
    func write(_ line: [UInt8]) {
        let outcome = state.withLock { s -> (accepted: Bool, wake: Bool) in
            // Not open (yet, or any more): nothing is written, and nothing counted as dropped.
            guard s.open, !s.closed else { return (true, false) }
            guard s.pending.count + s.prefix.count + line.count + 1 <= capacity else { return (false, false) }
            s.pending.append(contentsOf: s.prefix)
            s.pending.append(contentsOf: line)
            s.pending.append(UInt8(ascii: "\n"))
            // One wake-up per batch, not per line: the writer is woken by the first line after
            // it ran out, or when the buffer is half full; otherwise it takes what gathered
            // after a short pause.
            var wake = s.sleeping
            s.sleeping = false
            if !wake && !s.urged && s.pending.count >= capacity / 2 {
                s.urged = true
                wake = true
            }
            return (true, wake)
        }
        if !outcome.accepted { dropped.add(1, ordering: .relaxed) }
        if outcome.wake { wake.signal() }
    }

    /// How long the writer lets lines gather after writing a batch (while requests keep coming,
    /// they wake nobody: a signal per line would cost a request more than building its line).
    static let gatherPause = 20

    /// The writer thread: takes everything pending, writes it with the lock released, pauses
    /// to let the next lines gather, sleeps when nothing is left.
    private func writerLoop() {
        var batch: [UInt8] = []
        batch.reserveCapacity(64 << 10)
        while true {
            let (fd, closing) = state.withLock { s -> (Int32, Bool) in
                swap(&batch, &s.pending)
                s.urged = false
                if batch.isEmpty && !s.closed { s.sleeping = true }
                return (s.fd, s.closed)
            }
            if batch.isEmpty {
                if closing { break }
                wake.wait()
                continue
            }
            if !Self.writeAll(batch, to: fd) { writeFailures.add(1, ordering: .relaxed) }
            batch.removeAll(keepingCapacity: true)
            // `close` and a half-full buffer end the pause early.
            if !closing { _ = wake.wait(timeout: .now() + .milliseconds(Self.gatherPause)) }
        }
        let exited = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.ownsDescriptor { Glibc.close(s.fd) }
            s.fd = -1
            s.open = false
            s.sleeping = false
            defer { s.exited = nil }
            return s.exited
        }
        exited?.resume()
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
    }
}

/// One entry of `access-log-status-filters` (1.8): a status code (`200`) or a class of them
/// with `x` for any digit (`4xx`, `50x`).
public struct StatusFilter: Sendable, Equatable, CustomStringConvertible {
    let base: Int
    let divisor: Int

    /// 1.8's `ParseStatusFilter`, with its error texts.
    public init(parsing text: String) throws(StatusFilterError) {
        // `^([1-5]\d*)([xX]*)$`, then exactly three characters.
        let bytes = Array(text.utf8)
        guard let first = bytes.first, (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(first) else {
            throw StatusFilterError("status filter must be a digit that starts with 1-5 optionally followed by X characters")
        }
        var i = 1
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        let digits = i
        while i < bytes.count, bytes[i] == UInt8(ascii: "x") || bytes[i] == UInt8(ascii: "X") { i += 1 }
        guard i == bytes.count else {
            throw StatusFilterError("status filter must be a digit that starts with 1-5 optionally followed by X characters")
        }
        guard bytes.count == 3 else { throw StatusFilterError("status filter must be exactly 3 characters long") }
        base = Int(String(decoding: bytes[..<digits], as: UTF8.self)) ?? 0
        divisor = [1, 10, 100][bytes.count - digits]
    }

    /// Whether `status` is one this filter keeps.
    public func matches(_ status: Int) -> Bool { status / divisor == base }

    /// No filters keep every status; otherwise one must match.
    static func match(_ filters: [StatusFilter], _ status: Int) -> Bool {
        filters.isEmpty || filters.contains { $0.matches(status) }
    }

    /// 1.8's `MarshalText`: the digits and an `X` per wildcard.
    public var description: String { String(base) + String(repeating: "X", count: divisor == 100 ? 2 : divisor == 10 ? 1 : 0) }
}

/// A status filter 1.8 refuses, with its text.
public struct StatusFilterError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
