#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LineProtocol
import Meta
import Synchronization
import TSDB

/// Routes written points to shards (1.x's `coordinator.PointsWriter`): each point goes to the
/// shard group of its time in the target retention policy (created on demand); points older
/// than the policy keeps are dropped as 1.x drops them.
///
/// Not an actor: metadata comes from the meta client's published snapshot (only a missing
/// shard group goes through its committer), and the shards of one request are written in
/// parallel, as 1.x does, each on the store's thread pool (they fsync), never on a NIO event
/// loop or the cooperative pool.
public final class PointsWriter: Sendable {
    private let meta: MetaClient
    private let store: Store
    private let now: @Sendable () -> Int64
    /// Told of every accepted write (the subscriber service), if any.
    private let subscriber: (any WriteSubscriber)?
    /// 1.x's `write` statistic (``statistics(tags:)``).
    let counters = Counters()

    /// `subscriber` is handed the points of each write that succeeded (see ``WriteSubscriber``).
    public init(meta: MetaClient, store: Store, now: @escaping @Sendable () -> Int64 = PointsWriter.wallClock,
                subscriber: (any WriteSubscriber)? = nil) {
        self.meta = meta
        self.store = store
        self.now = now
        self.subscriber = subscriber
    }

    /// Unix nanoseconds now.
    public static let wallClock: @Sendable () -> Int64 = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Writes `points` to `database`; `retentionPolicy` empty means the default one.
    public func writePoints(database: String, retentionPolicy: String, points: [Point]) async throws(WriteError) {
        counters.req.add(1, ordering: .relaxed)
        counters.pointReq.add(Int64(points.count), ordering: .relaxed)
        guard let info = meta.database(database) else {
            throw .client("database not found: \"\(database)\"")
        }
        let rpName = retentionPolicy.isEmpty ? info.defaultRetentionPolicy : retentionPolicy
        guard let rp = info.retentionPolicies.first(where: { $0.name == rpName }) else {
            throw .server("retention policy not found: \(rpName)")
        }
        // 1.x's MapShards: shard groups are found or created for the points inside the
        // retention window; a point is then written to the group covering it, and dropped if
        // none does (a point before the window still lands in a group made for a newer point).
        let minTime = rp.duration > 0 ? now() - rp.duration : Int64.min
        var groups: [ShardGroupInfo] = []
        for point in points where point.time >= minTime && !groups.contains(where: { $0.start <= point.time && point.time < $0.end }) {
            if let known = meta.shardGroup(database: database, policy: rpName, containing: point.time) {
                groups.append(known)
                continue
            }
            do throws(MetaError) {
                groups.append(try await meta.shardGroup(database: database, policy: rpName, for: point.time))
            } catch {
                throw .server(error.description)
            }
        }
        var byShard: [UInt64: [Point]] = [:]
        var dropped = 0
        for point in points {
            guard let group = groups.first(where: { $0.start <= point.time && point.time < $0.end }) else {
                dropped += 1
                continue
            }
            // Only a damaged meta.db has a group without shards (1.x panics dividing by zero).
            guard let shard = group.shardIDs.first else { throw .server("shard group \(group.id) has no shards") }
            byShard[shard, default: []].append(point)
        }
        if dropped > 0 { counters.writeDrop.add(Int64(dropped), ordering: .relaxed) }
        let results: [WriteError?]
        if byShard.count == 1, let (id, shardPoints) = byShard.first {
            results = [await write(shardPoints, shard: id, database: database, policy: rpName)]
        } else {
            results = await withTaskGroup(of: (UInt64, WriteError?).self) { group in
                for (id, shardPoints) in byShard {
                    group.addTask { (id, await self.write(shardPoints, shard: id, database: database, policy: rpName)) }
                }
                var all: [(UInt64, WriteError?)] = []
                for await result in group { all.append(result) }
                return all.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        var firstError: WriteError?
        var partialDropped = 0
        var partialReason = ""
        for result in results {
            switch result {
            case nil: continue
            case .partial(let reason, let n)?:
                if partialReason.isEmpty { partialReason = reason }
                partialDropped += n
            case let other?:
                if firstError == nil { firstError = other }
            }
        }
        if let firstError { throw firstError }
        if partialDropped > 0 { throw .partial(reason: partialReason, dropped: partialDropped) }
        // Every point that reached a shard was written: subscribers get those (1.x hands them
        // the whole request as soon as it is mapped; Sundial only what was stored).
        if let subscriber {
            let written = dropped == 0 ? points : points.filter { point in groups.contains { $0.start <= point.time && point.time < $0.end } }
            if !written.isEmpty {
                subscriber.pointsWritten(database: database, retentionPolicy: rpName, points: written)
                counters.subWriteOk.add(1, ordering: .relaxed)
            }
        }
        if dropped > 0 { throw .partial(reason: "points beyond retention policy", dropped: dropped) }
    }

    /// One shard's write, on the store's thread pool.
    private func write(_ points: [Point], shard id: UInt64, database: String, policy: String) async -> WriteError? {
        let store = self.store
        counters.pointReqLocal.add(Int64(points.count), ordering: .relaxed)
        let failure = await store.blocking { () -> WriteError? in
            do throws(StoreError) {
                let shard = try store.shard(id: id, database: database, retentionPolicy: policy)
                do throws(WriteError) {
                    try shard.write(points)
                    return nil
                } catch {
                    return error
                }
            } catch {
                return .server(error.description)
            }
        }
        // 1.x: a partial write is a shard write error too.
        if failure == nil { counters.writeOk.add(1, ordering: .relaxed) } else { counters.writeError.add(1, ordering: .relaxed) }
        return failure
    }
}

extension PointsWriter: StatisticsReporter {
    /// 1.x's `PointsWriter` counters.
    final class Counters: Sendable {
        let req = Atomic<Int64>(0)
        let pointReq = Atomic<Int64>(0)
        let pointReqLocal = Atomic<Int64>(0)
        let writeOk = Atomic<Int64>(0)
        let writeDrop = Atomic<Int64>(0)
        let writeError = Atomic<Int64>(0)
        let subWriteOk = Atomic<Int64>(0)
    }

    /// 1.x's `write` statistic (no tags of its own): `req` (write requests), `pointReq` (their
    /// points), `pointReqLocal` (points handed to a shard), `writeOk` / `writeError` (shard
    /// writes that succeeded / failed — a partial write is an error, as in 1.x), `writeDrop`
    /// (points outside the retention policy), `subWriteOk` (writes handed to the subscriber
    /// service). `writeTimeout` and `subWriteDrop` are always 0: Sundial does not enforce
    /// `[coordinator] write-timeout` (a write waits for its shards), and the hand-off to the
    /// subscriber service never fails (a subscription whose buffer is full drops the write and
    /// counts it in the `subscriber` statistic's `writeFailures`).
    public func statistics(tags: [String: String]) -> [Statistic] {
        [Statistic(name: "write", tags: tags, values: [
            "req": .integer(counters.req.load(ordering: .relaxed)),
            "pointReq": .integer(counters.pointReq.load(ordering: .relaxed)),
            "pointReqLocal": .integer(counters.pointReqLocal.load(ordering: .relaxed)),
            "writeOk": .integer(counters.writeOk.load(ordering: .relaxed)),
            "writeDrop": .integer(counters.writeDrop.load(ordering: .relaxed)),
            "writeTimeout": 0,
            "writeError": .integer(counters.writeError.load(ordering: .relaxed)),
            "subWriteOk": .integer(counters.subWriteOk.load(ordering: .relaxed)),
            "subWriteDrop": 0,
        ])]
    }
}
