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

    /// What the daemon asks of jemalloc unless `MALLOC_CONF` says otherwise: a background
    /// thread returns freed pages to the kernel 200 ms after they go unused (jemalloc's default
    /// keeps them 10 s, so an ingest's transient buffers piled up as resident memory: 349 MB
    /// peak against 183 MB with these settings on 100 hosts × 24 h, at the same speed; purging
    /// inline with no delay cost a fifth of the throughput). Returns the settings applied.
    @discardableResult
    public static func configureForServer(environment: [String: String]) -> String {
        if let conf = environment["MALLOC_CONF"] { return "MALLOC_CONF=" + conf }
        var on = true
        let thread = mallctl("background_thread", nil, nil, &on, MemoryLayout<Bool>.size) == 0
        var applied = thread ? ["background_thread:true"] : []
        for (name, value) in [("dirty_decay_ms", 200), ("muzzy_decay_ms", 0)] {
            var decay = value  // ssize_t
            // The default for arenas made later, then every arena that exists now.
            let later = mallctl("arenas." + name, nil, nil, &decay, MemoryLayout<Int>.size) == 0
            let now = mallctl("arena.\(MALLCTL_ARENAS_ALL)." + name, nil, nil, &decay, MemoryLayout<Int>.size) == 0
            if later && now { applied.append("\(name):\(value)") }
        }
        return applied.joined(separator: ",")
    }
}
