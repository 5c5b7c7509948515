import LineProtocol

/// 1.x's `runtime` statistic (Go's `runtime.MemStats`) with the Swift process's equivalents.
/// jemalloc's counts stand in for Go's heap: `Alloc` and `HeapAlloc` are bytes in live
/// allocations, `HeapInUse` bytes in active pages, `HeapSys` and `Sys` bytes mapped, `HeapIdle`
/// mapped but not active, `HeapReleased` handed back to the kernel, `Mallocs`, `Frees` and
/// `HeapObjects` jemalloc's allocation counts. `NumGoroutine` is the process's threads (Swift
/// tasks are not counted by the runtime). Sundial adds `RSS` (resident bytes). Go's
/// `TotalAlloc`, `Lookups`, `PauseTotalNs` and `NumGC` have no equivalent (no garbage
/// collector) and are absent; without jemalloc (tests) the heap fields are absent too.
struct RuntimeStatistics: StatisticsReporter {
    func statistics(tags: [String: String]) -> [Statistic] {
        var values: [String: StatisticValue] = [:]
        if let heap = Jemalloc.heap() {
            values["Alloc"] = .integer(heap.allocated)
            values["HeapAlloc"] = .integer(heap.allocated)
            values["HeapInUse"] = .integer(heap.active)
            values["HeapSys"] = .integer(heap.mapped)
            values["Sys"] = .integer(heap.mapped)
            values["HeapIdle"] = .integer(max(0, heap.mapped - heap.active))
            values["HeapReleased"] = .integer(heap.retained)
            values["Mallocs"] = .integer(heap.mallocs)
            values["Frees"] = .integer(heap.frees)
            values["HeapObjects"] = .integer(max(0, heap.mallocs - heap.frees))
        }
        if let process = ProcessFacts.threadsAndResident() {
            values["NumGoroutine"] = .integer(process.threads)
            values["RSS"] = .integer(process.resident)
        }
        return [Statistic(name: "runtime", tags: tags, values: values)]
    }
}
