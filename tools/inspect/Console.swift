#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GoText

/// Standard output and standard error as influx_inspect writes them. Go writes both unbuffered;
/// here standard output is buffered (a dump prints millions of lines) but flushed before
/// anything goes to standard error and at exit, so the two interleave as Go's do on one
/// terminal.
final class Console {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    /// Appends to standard output.
    func out(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Appends bytes to standard output.
    func out(bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes to standard error (Go's `println` and `log` go there).
    func err(_ text: String) {
        flush()
        Self.writeAll(2, Array(text.utf8))
    }

    /// What Go's `log.Printf` prints with the standard flags: local date and time, the text,
    /// and a newline unless the text ends with one.
    func log(_ text: String) {
        var line = GoTime.logStamp() + " " + text
        if !line.hasSuffix("\n") { line += "\n" }
        err(line)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        Self.writeAll(1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and ends the process.
    func exit(_ code: Int32) -> Never {
        flush()
        #if canImport(Glibc)
        Glibc.exit(code)
        #else
        Darwin.exit(code)
        #endif
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            var done = 0
            while done < p.count {
                let n = systemWrite(fd, p.baseAddress! + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                done += n
            }
        }
    }
}

/// A subcommand's failure: `main` prints `<command>: <message>` on standard error and exits 1,
/// as influx_inspect's `main` does with the error a command returns.
struct CommandError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Go's text for a failed system call on a path: `open /x: no such file or directory`.
func goPathError(_ op: String, _ path: String, _ code: Int32) -> String {
    "\(op) \(path): \(goErrnoText(code))"
}

/// Go's `syscall.Errno` text: glibc's message with a lower-case first letter.
func goErrnoText(_ code: Int32) -> String {
    guard let raw = strerror(code) else { return "errno \(code)" }
    var text = String(cString: raw)
    if let first = text.first { text = first.lowercased() + text.dropFirst() }
    return text
}

/// `write(2)`, callable from types that have `write` methods of their own.
func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
