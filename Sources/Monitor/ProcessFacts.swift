#if canImport(Glibc)
import Glibc
#endif
import Coordinator
import Foundation
import GoText

/// Facts about the process for the built-in diagnostics and the `runtime` statistic, read
/// from the kernel (`/proc/self`, small in-memory files) and the C library.
public enum ProcessFacts {
    /// The host's name (1.x: `os.Hostname`), the monitor's global `hostname` tag.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The process's threads and resident bytes (`/proc/self/stat`, `/proc/self/statm`).
    static func threadsAndResident() -> (threads: Int64, resident: Int64)? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        // The command name (field 2) may hold spaces: count fields after its closing paren.
        guard let paren = stat.lastIndex(of: ")") else { return nil }
        let after = stat[stat.index(after: paren)...].split(separator: " ")
        // Fields 3… follow; num_threads is field 20.
        guard after.count > 17, let threads = Int64(after[17]) else { return nil }
        let pages = statm.split(separator: " ")
        guard pages.count > 1, let residentPages = Int64(pages[1]) else { return nil }
        return (threads, residentPages * Int64(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// 1.x's `runtime` diagnostics with the Swift process's values: the architecture and OS
    /// as Go names them, the cores the process may run on, the compiler.
    static func runtimeDiagnostics() -> Diagnostics {
        Diagnostics(row: ["GOARCH": .string(architecture), "GOOS": .string(operatingSystem),
                          "GOMAXPROCS": .count(ProcessInfo.processInfo.activeProcessorCount), "version": .string(compiler)])
    }

    /// 1.x's `network` diagnostics.
    static func networkDiagnostics() -> Diagnostics { Diagnostics(row: ["hostname": .string(hostname())]) }

    /// 1.x's `system` diagnostics: PID, current time, start time and uptime (Go's duration text).
    static func systemDiagnostics(started: Int64) -> Diagnostics {
        let now = PointsWriter.wallClock()
        return Diagnostics(row: ["PID": .integer(Int64(getpid())), "currentTime": .time(now), "started": .time(started),
                                 "uptime": .string(GoDurationText.string(now - started))])
    }

    private static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    private static var operatingSystem: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "darwin"
        #else
        "unknown"
        #endif
    }

    private static var compiler: String {
        #if compiler(>=6.3)
        "swift6.3"
        #elseif compiler(>=6.2)
        "swift6.2"
        #else
        "swift6"
        #endif
    }
}
