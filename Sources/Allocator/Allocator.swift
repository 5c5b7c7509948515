import CJemalloc

/// The daemon allocates through jemalloc, linked in place of glibc's malloc (and so does
/// query-bench, which measures what the daemon runs). On a small query's path (a few hundred
/// short-lived allocations spread over two threads) it is a few per cent faster end to end,
/// and after loading a day of TSBS data the idle process holds well under half the memory
/// glibc's per-thread arenas keep; very large answers peak higher (figures in README,
/// "Memory allocator").
public enum Allocator {
    /// jemalloc's version, read through `mallctl` (which also keeps the library a direct
    /// dependency of the binary, so that its `malloc` is the one every library binds to).
    public static var description: String {
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return "jemalloc" }
        return "jemalloc " + String(cString: version)
    }
}
