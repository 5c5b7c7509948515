#if canImport(Glibc)
import Glibc
#endif

/// jemalloc's figures, when jemalloc is the process's allocator (the daemon links it through
/// the `Allocator` target). Looked up by name at run time, so that this module adds no link
/// dependency: in a process on glibc's malloc (the tests) there are none.
struct Jemalloc: Sendable {
    private typealias MallCtl = @convention(c) (
        UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
    ) -> Int32

    /// `mallctl`, found once per process.
    private static let mallctl: MallCtl? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "mallctl") else { return nil }
        return unsafeBitCast(symbol, to: MallCtl.self)
        #else
        return nil
        #endif
    }()

    /// The heap as jemalloc counts it; nil without jemalloc.
    struct Heap: Sendable, Hashable {
        /// Bytes in live allocations.
        var allocated: Int64
        /// Bytes in pages holding live allocations.
        var active: Int64
        /// Bytes mapped from the kernel.
        var mapped: Int64
        /// Bytes of mapped memory whose pages were handed back to the kernel.
        var retained: Int64
        /// Allocations and deallocations since the start (every arena, small and large).
        var mallocs: Int64
        var frees: Int64
    }

    static func heap() -> Heap? {
        guard let mallctl else { return nil }
        // The statistics are a snapshot refreshed by writing the epoch.
        var epoch: UInt64 = 1
        guard mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size) == 0 else { return nil }
        func size(_ name: String) -> Int64 {
            var value = 0
            var length = MemoryLayout<Int>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? Int64(value) : 0
        }
        func count(_ name: String) -> Int64 {
            var value: UInt64 = 0
            var length = MemoryLayout<UInt64>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? Int64(clamping: value) : 0
        }
        // MALLCTL_ARENAS_ALL: the merged statistics of every arena.
        let all = "stats.arenas.4096."
        return Heap(allocated: size("stats.allocated"), active: size("stats.active"), mapped: size("stats.mapped"),
                    retained: size("stats.retained"),
                    mallocs: count(all + "small.nmalloc") + count(all + "large.nmalloc"),
                    frees: count(all + "small.ndalloc") + count(all + "large.ndalloc"))
    }
}
