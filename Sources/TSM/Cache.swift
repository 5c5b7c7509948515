/// The engine's in-memory write buffer: every point written since the last snapshot, per TSM
/// key, with 1.x's memory accounting and limits (Spec/cache.md).
///
/// A value type: the engine that owns it serialises access.
public struct Cache: Sendable {
    /// `cache-max-memory-size` in bytes; 0 = unlimited.
    public var maxSize: Int
    private var store: [ByteKey: WALValues] = [:]
    private var storeBytes = 0
    private var snapshotStore: [ByteKey: WALValues]?
    private var snapshotBytes = 0

    public init(maxSize: Int) {
        self.maxSize = maxSize
    }

    /// 1.x's `Cache.Size()`: bytes of the live store plus the snapshot being written.
    public var size: Int { storeBytes + snapshotBytes }

    /// Bytes in the live store only (what `cache-snapshot-memory-size` is compared with).
    public var liveSize: Int { storeBytes }

    /// Whether a snapshot is being written.
    public var isSnapshotting: Bool { snapshotStore != nil }

    /// Adds points. Rejects the whole write when it would take the cache past `maxSize`
    /// (`cache-max-memory-size exceeded: (n/limit)`); otherwise writes every key whose type
    /// matches what the cache holds for it and reports `field type conflict` for the others.
    public mutating func write(_ series: [(key: [UInt8], values: WALValues)]) throws(CacheError) {
        let added = series.reduce(0) { $0 + $1.values.byteSize }
        if maxSize > 0 && size + added > maxSize {
            throw .memoryLimitExceeded(size + added, maxSize)
        }
        var conflict = false
        for (bytes, values) in series where values.count > 0 {
            let key = ByteKey(bytes)
            if let index = store.index(forKey: key) {
                // Appended in place: copying the key's arrays on every write was quadratic.
                guard store.values[index].append(values) else {
                    conflict = true
                    continue
                }
            } else {
                if let old = snapshotStore?[key], !old.sameType(as: values) {
                    conflict = true
                    continue
                }
                store[key] = values
                storeBytes += bytes.count
            }
            storeBytes += values.byteSize
        }
        if conflict { throw .fieldTypeConflict }
    }

    /// The cached points of `key` — the snapshot's, then newer ones — sorted, one per
    /// timestamp (last write wins).
    public func values(for bytes: [UInt8]) -> WALValues? {
        let key = ByteKey(bytes)
        switch (snapshotStore?[key], store[key]) {
        case (nil, nil): return nil
        case (let old?, nil): return old.deduplicated()
        case (nil, let new?): return new.deduplicated()
        case (let old?, let new?): return (old.appending(new) ?? new).deduplicated()
        }
    }

    /// Every key in the cache (live or snapshot), in byte order.
    public var keys: [[UInt8]] {
        Set(store.keys).union(snapshotStore?.keys ?? [:].keys).map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Removes the points of `keys` with `min <= time <= max` from the live store and the snapshot.
    public mutating func deleteRange(keys: [[UInt8]], min: Int64, max: Int64) {
        for bytes in keys {
            let key = ByteKey(bytes)
            if let v = store[key] {
                let kept = v.deduplicated().excluding(min: min, max: max)
                storeBytes += kept.byteSize - v.byteSize
                if kept.count == 0 {
                    store[key] = nil
                    storeBytes -= bytes.count
                } else {
                    store[key] = kept
                }
            }
            if let v = snapshotStore?[key] {
                let kept = v.deduplicated().excluding(min: min, max: max)
                snapshotStore?[key] = kept.count == 0 ? nil : kept
            }
        }
    }

    /// Moves the live store into the snapshot and returns its contents sorted by key, each
    /// key's points sorted and deduplicated — what the snapshot's TSM file is written from.
    /// Throws `snapshot in progress` while a previous snapshot is not cleared.
    public mutating func snapshot() throws(CacheError) -> [(key: [UInt8], values: WALValues)] {
        guard snapshotStore == nil else { throw .snapshotInProgress }
        let taken = store
        snapshotStore = taken
        snapshotBytes = storeBytes
        store = [:]
        storeBytes = 0
        return taken.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }.map { ($0.key.bytes, $0.value.deduplicated()) }
    }

    /// Drops the snapshot once its TSM file is durable (`written == true`); otherwise merges it
    /// back under the newer points so nothing is lost.
    public mutating func clearSnapshot(written: Bool) {
        guard let old = snapshotStore else { return }
        if !written {
            for (key, values) in old {
                if let newer = store[key] {
                    store[key] = values.appending(newer) ?? newer
                    storeBytes += values.byteSize
                } else {
                    store[key] = values
                    storeBytes += values.byteSize + key.bytes.count
                }
            }
        }
        snapshotStore = nil
        snapshotBytes = 0
    }
}

/// Why the cache refused a write or a snapshot; texts are 1.x's.
public enum CacheError: Error, Equatable, Sendable, CustomStringConvertible {
    case memoryLimitExceeded(Int, Int)
    case fieldTypeConflict
    case snapshotInProgress

    public var description: String {
        switch self {
        case .memoryLimitExceeded(let n, let limit): "cache-max-memory-size exceeded: (\(n)/\(limit))"
        case .fieldTypeConflict: "field type conflict"
        case .snapshotInProgress: "snapshot in progress"
        }
    }
}
