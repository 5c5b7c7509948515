import Synchronization

/// The engine's in-memory write buffer: every point written since the last snapshot, per TSM
/// key, with 1.x's memory accounting and limits (Spec/cache.md).
///
/// Split into 16 partitions by key, each behind its own lock (1.x's `ring` has 16 too), so
/// concurrent writers and readers rarely meet. A snapshot moves every partition's live store
/// aside in O(1) per partition; reads see it until ``clearSnapshot(written:)``.
public final class Cache: Sendable {
    /// `cache-max-memory-size` in bytes; 0 = unlimited.
    public let maxSize: Int
    private let partitions: [CachePartition]
    private let liveBytes = Atomic<Int>(0)
    private let snapshotBytes = Atomic<Int>(0)
    /// 1.x's cache statistics (``statistics(tags:)``): counters bumped where the cache already
    /// does the work, read without a lock.
    let counters = CacheCounters()

    static let partitionCount = 16

    public init(maxSize: Int) {
        self.maxSize = maxSize
        partitions = (0..<Self.partitionCount).map { _ in CachePartition() }
        counters.lastSnapshot.store(Engine.monotonicNow(), ordering: .relaxed)
    }

    /// 1.x's `Cache.Size()`: bytes of the live store plus the snapshot being written.
    public var size: Int { liveBytes.load(ordering: .relaxed) + snapshotBytes.load(ordering: .relaxed) }

    /// Bytes in the live store only (what `cache-snapshot-memory-size` is compared with).
    public var liveSize: Int { liveBytes.load(ordering: .relaxed) }

    /// Bytes in the snapshot being written (0 when none is).
    public var snapshotSize: Int { snapshotBytes.load(ordering: .relaxed) }

    /// Whether a snapshot is being written.
    public var isSnapshotting: Bool { partitions[0].state.withLock { $0.snapshot != nil } }

    /// Adds points. Rejects the whole write when it would take the cache past `maxSize`
    /// (`cache-max-memory-size exceeded: (n/limit)`) unless `ignoringLimit` (WAL replay: those
    /// writes were acknowledged); otherwise writes every key whose type matches what the cache
    /// holds for it and reports `field type conflict` for the others.
    public func write(_ series: [(key: [UInt8], values: WALValues)], ignoringLimit: Bool = false) throws(CacheError) {
        if maxSize > 0 && !ignoringLimit {
            let added = series.reduce(0) { $0 + $1.values.byteSize }
            let current = size
            if current + added > maxSize {
                counters.writeErr.add(1, ordering: .relaxed)
                throw .memoryLimitExceeded(current + added, maxSize)
            }
        }
        // Each partition is locked once per write, for all of its keys.
        var slots = [UInt8](repeating: 0, count: series.count)
        var present: UInt32 = 0
        for (i, s) in series.enumerated() {
            let p = Self.partition(of: s.key)
            slots[i] = UInt8(p)
            present |= 1 << UInt32(p)
        }
        var conflict = false
        var grown = 0
        for p in 0..<Self.partitionCount where present & (1 << UInt32(p)) != 0 {
            partitions[p].state.withLock { store in
                for i in series.indices where slots[i] == p {
                    let (bytes, values) = series[i]
                    guard values.count > 0 else { continue }
                    switch store.insert(ByteKey(bytes), values) {
                    case .some(let n): grown += n
                    case .none: conflict = true
                    }
                }
            }
        }
        liveBytes.add(grown, ordering: .relaxed)
        // As 1.x's WriteMulti: a write with a conflicting key is still a write (the other keys
        // are in), and also a dropped one and an error.
        counters.writeOK.add(1, ordering: .relaxed)
        if conflict {
            counters.writeDropped.add(1, ordering: .relaxed)
            counters.writeErr.add(1, ordering: .relaxed)
            throw .fieldTypeConflict
        }
    }

    /// The cached points of `key` — the snapshot's, then newer ones — sorted, one per
    /// timestamp (last write wins).
    public func values(for bytes: [UInt8]) -> WALValues? {
        let key = ByteKey(bytes)
        let (old, new) = partitions[Self.partition(of: bytes)].state.withLock { store in
            (store.snapshot?[key], store.sortedLive(key))
        }
        let older = old.map { $0.sorted ? $0.values : $0.values.deduplicated() }
        switch (older, new) {
        case (nil, nil): return nil
        case (let old?, nil): return old
        case (nil, let new?): return new
        case (let old?, let new?): return (old.appending(new) ?? new).deduplicated()
        }
    }

    /// Every key in the cache (live or snapshot), in byte order.
    public var keys: [[UInt8]] {
        var all = Set<ByteKey>()
        for partition in partitions {
            partition.state.withLock { store in
                all.formUnion(store.live.keys)
                if let snapshot = store.snapshot { all.formUnion(snapshot.keys) }
            }
        }
        let keys = Array(all)
        return ByteKey.sortedOrder(keys).map { keys[$0].bytes }
    }

    /// Number of keys in the live store and the snapshot.
    public var keyCount: Int {
        partitions.reduce(0) { n, p in n + p.state.withLock { $0.live.count + ($0.snapshot?.count ?? 0) } }
    }

    /// Removes the points of `keys` with `min <= time <= max` from the live store and the snapshot.
    public func deleteRange(keys: [[UInt8]], min: Int64, max: Int64) {
        var change = 0
        for bytes in keys {
            let key = ByteKey(bytes)
            partitions[Self.partition(of: bytes)].state.withLock { store in
                change += store.delete(key, min: min, max: max)
            }
        }
        liveBytes.add(change, ordering: .relaxed)
    }

    /// Moves the live store into the snapshot and returns its contents sorted by key, each
    /// key's points sorted and deduplicated — what the snapshot's TSM file is written from.
    /// Throws `snapshot in progress` while a previous snapshot is not cleared.
    public func snapshot() throws(CacheError) -> [(key: [UInt8], values: WALValues)] {
        if isSnapshotting { throw .snapshotInProgress }
        counters.snapshotAttempts.add(1, ordering: .relaxed)
        counters.lastSnapshot.store(Engine.monotonicNow(), ordering: .relaxed)
        var keys: [ByteKey] = []
        var values: [WALValues] = []
        for partition in partitions {
            let (moved, bytes) = partition.state.withLock { store in
                let moved = store.live
                store.snapshot = moved
                store.snapshotBytes = store.liveBytes
                let bytes = store.liveBytes
                store.live = [:]
                store.liveBytes = 0
                return (moved, bytes)
            }
            liveBytes.subtract(bytes, ordering: .relaxed)
            snapshotBytes.add(bytes, ordering: .relaxed)
            counters.cachedBytes.add(Int64(bytes), ordering: .relaxed)
            keys.reserveCapacity(keys.count + moved.count)
            values.reserveCapacity(values.count + moved.count)
            for (key, entry) in moved {
                keys.append(key)
                values.append(entry.values)
            }
        }
        return ByteKey.sortedOrder(keys).map { (keys[$0].bytes, values[$0].deduplicated()) }
    }

    /// Drops the snapshot once its TSM file is durable (`written == true`); otherwise merges it
    /// back under the newer points so nothing is lost.
    public func clearSnapshot(written: Bool) {
        for partition in partitions {
            let (dropped, restored) = partition.state.withLock { store -> (Int, Int) in
                guard let old = store.snapshot else { return (0, 0) }
                let bytes = store.snapshotBytes
                store.snapshot = nil
                store.snapshotBytes = 0
                guard !written else { return (bytes, 0) }
                var restored = 0
                for (key, entry) in old { restored += store.restore(key, entry.values) }
                return (bytes, restored)
            }
            snapshotBytes.subtract(dropped, ordering: .relaxed)
            liveBytes.add(restored, ordering: .relaxed)
            // Bytes put back are counted again by the snapshot that retries them (1.x retries
            // the same snapshot and counts them once).
            if !written { counters.cachedBytes.subtract(Int64(dropped), ordering: .relaxed) }
        }
        if written { counters.snapshotAttempts.store(0, ordering: .relaxed) }
    }

    /// The partition of a key: from the high bits of its digest (the low ones pick its
    /// dictionary bucket).
    static func partition(of key: [UInt8]) -> Int {
        Int(key.withUnsafeBytes(ByteKey.digest) >> 60)
    }
}

/// One partition's stores.
final class CachePartition: Sendable {
    let state = Mutex(CacheStore())
}

/// The keys of one partition: the live store, and the snapshot being written.
struct CacheStore {
    struct Entry {
        var values: WALValues
        /// Whether the values are sorted by time with no duplicate timestamps.
        var sorted: Bool
    }

    var live: [ByteKey: Entry] = [:]
    var liveBytes = 0
    var snapshot: [ByteKey: Entry]?
    var snapshotBytes = 0

    /// Adds `values` under `key`: the bytes the live store grew by, or nil for a type conflict
    /// with what the key holds (live or in the snapshot).
    mutating func insert(_ key: ByteKey, _ values: WALValues) -> Int? {
        if let index = live.index(forKey: key) {
            let last = live.values[index].values.timestamps.last
            // Appended in place: copying the key's arrays on every write was quadratic.
            guard live.values[index].values.append(values) else { return nil }
            if let last, let first = values.timestamps.first, first <= last { live.values[index].sorted = false }
            if live.values[index].sorted && !Self.isSorted(values) { live.values[index].sorted = false }
        } else {
            if let old = snapshot?[key], !old.values.sameType(as: values) { return nil }
            live[key] = Entry(values: values, sorted: Self.isSorted(values))
            let added = values.byteSize + key.bytes.count
            liveBytes += added
            return added
        }
        liveBytes += values.byteSize
        return values.byteSize
    }

    /// The live values of `key`, sorted and deduplicated in place on first need.
    mutating func sortedLive(_ key: ByteKey) -> WALValues? {
        guard let index = live.index(forKey: key) else { return nil }
        if !live.values[index].sorted {
            // The size stays as counted (1.x does not recount on deduplication either).
            live.values[index].values = live.values[index].values.deduplicated()
            live.values[index].sorted = true
        }
        return live.values[index].values
    }

    /// Removes `[min, max]` of `key`; returns the change of the live store's size.
    mutating func delete(_ key: ByteKey, min: Int64, max: Int64) -> Int {
        var change = 0
        if let entry = live[key] {
            let kept = entry.values.deduplicated().excluding(min: min, max: max)
            change = kept.byteSize - entry.values.byteSize
            if kept.count == 0 {
                live[key] = nil
                change -= key.bytes.count
            } else {
                live[key] = Entry(values: kept, sorted: true)
            }
            liveBytes += change
        }
        if let entry = snapshot?[key] {
            let kept = entry.values.deduplicated().excluding(min: min, max: max)
            snapshot?[key] = kept.count == 0 ? nil : Entry(values: kept, sorted: true)
        }
        return change
    }

    /// Puts snapshot values back under the newer live ones; returns the bytes added.
    mutating func restore(_ key: ByteKey, _ values: WALValues) -> Int {
        if let newer = live[key] {
            live[key] = Entry(values: values.appending(newer.values) ?? newer.values, sorted: false)
            liveBytes += values.byteSize
            return values.byteSize
        }
        live[key] = Entry(values: values, sorted: true)
        let added = values.byteSize + key.bytes.count
        liveBytes += added
        return added
    }

    static func isSorted(_ values: WALValues) -> Bool {
        let t = values.timestamps
        var i = 1
        while i < t.count {
            if t[i] <= t[i - 1] { return false }
            i += 1
        }
        return true
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
