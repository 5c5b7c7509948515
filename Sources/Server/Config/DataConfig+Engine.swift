import TSM

extension DataConfig {
    /// The `[data]` keys the TSM engine uses.
    public var engineConfig: EngineConfig {
        var c = EngineConfig()
        c.cacheMaxMemorySize = Int(clamping: cacheMaxMemorySize.bytes)
        c.cacheSnapshotMemorySize = Int(clamping: cacheSnapshotMemorySize.bytes)
        c.cacheSnapshotWriteColdDuration = cacheSnapshotWriteColdDuration.nanoseconds
        c.compactFullWriteColdDuration = compactFullWriteColdDuration.nanoseconds
        c.walFsyncDelay = walFsyncDelay.nanoseconds
        return c
    }
}
