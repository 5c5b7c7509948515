import AsyncAlgorithms
import Coordinator
import Logging
import Meta
import ServiceLifecycle
import Synchronization

/// 1.x's subscriber service (`[subscriber]`): every write the points writer accepts is
/// forwarded to the subscriptions of its database and retention policy (`CREATE SUBSCRIPTION
/// … DESTINATIONS ALL|ANY 'http://…', 'udp://…'`) without holding the write up.
///
/// The running subscriptions follow meta: 1.x waits for a change of the metadata; this checks
/// its index every `pollInterval` and starts the new subscriptions and stops the dropped
/// ones. On shutdown the writes already buffered are still sent, as 1.x's close drains them.
public struct SubscriberService: Service {
    let meta: MetaClient
    let settings: SubscriberSettings
    let pollInterval: Duration
    let logger: Logger
    let counters: ServiceCounters
    let router: WriteRouter
    /// The running subscriptions, for the statistics.
    private let running: Running

    final class Running: Sendable {
        let subscriptions = Mutex<[SubscriptionKey: Subscription]>([:])
    }

    public init(meta: MetaClient, settings: SubscriberSettings, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.meta = meta
        self.settings = settings
        self.pollInterval = pollInterval
        var logger = logger
        logger[metadataKey: "service"] = "subscriber"
        self.logger = logger
        counters = ServiceCounters()
        router = WriteRouter(counters: counters)
        running = Running()
    }

    /// What the points writer hands every accepted write to (``PointsWriter``'s `subscriber`).
    public var writeSubscriber: any WriteSubscriber { router }

    /// The counters now (1.x's `subscriber` statistics).
    public var statistics: SubscriberStatistics {
        let destinations = running.subscriptions.withLock { Array($0.values) }.flatMap(\.statistics).sorted {
            ($0.database, $0.retentionPolicy, $0.name, $0.destination) < ($1.database, $1.retentionPolicy, $1.name, $1.destination)
        }
        return SubscriberStatistics(createFailures: counters.createFailures.load(ordering: .relaxed),
                                    pointsWritten: counters.pointsWritten.load(ordering: .relaxed),
                                    writeFailures: counters.writeFailures.load(ordering: .relaxed),
                                    destinations: destinations)
    }

    public func run() async throws {
        logger.info("Opened service")
        await withDiscardingTaskGroup { group in
            var current: [SubscriptionKey: Subscription] = [:]
            var index = meta.snapshot().index
            await update(&current, from: meta.snapshot(), group: &group)
            for await _ in AsyncTimerSequence(interval: pollInterval, clock: .continuous).cancelOnGracefulShutdown() {
                let data = meta.snapshot()
                guard data.index != index else { continue }
                index = data.index
                await update(&current, from: data, group: &group)
            }
            // No more writes in; the subscriptions send what they hold, then stop.
            router.publish([Subscription]())
            running.subscriptions.withLock { $0 = [:] }
            for subscription in current.values { subscription.close() }
        }
        logger.info("Closed service")
    }

    /// 1.x's `updateSubs`: starts the subscriptions in `data` that are not running (one that
    /// fails is counted, logged and tried again at the next change), stops those no longer
    /// in it, and routes writes to the new set.
    func update(_ current: inout [SubscriptionKey: Subscription], from data: Meta_Data, group: inout DiscardingTaskGroup) async {
        var wanted = Set<SubscriptionKey>()
        for db in data.databases {
            for rp in db.retentionPolicies {
                for info in rp.subscriptions {
                    let key = SubscriptionKey(database: db.name, retentionPolicy: rp.name, name: info.name)
                    wanted.insert(key)
                    guard current[key] == nil else { continue }
                    let subscription: Subscription
                    do throws(SubscriptionError) {
                        subscription = try await start(key, mode: info.mode, destinations: info.destinations)
                    } catch {
                        counters.createFailures.add(1, ordering: .relaxed)
                        logger.info("Subscription creation failed", metadata: ["name": "\(info.name)", "error": "\(error)"])
                        continue
                    }
                    group.addTask { await subscription.run() }
                    current[key] = subscription
                    logger.info("Added new subscription", metadata: ["db_instance": "\(key.database)", "db_rp": "\(key.retentionPolicy)"])
                }
            }
        }
        for (key, subscription) in current where !wanted.contains(key) {
            subscription.close()
            current[key] = nil
            logger.info("Deleted old subscription", metadata: ["db_instance": "\(key.database)", "db_rp": "\(key.retentionPolicy)"])
        }
        router.publish(current.values)
        running.subscriptions.withLock { [current] in $0 = current }
    }

    /// 1.x's `createSubscription`: the mode and a writer for every destination, or the first
    /// problem (the writers made before it are closed).
    private func start(_ key: SubscriptionKey, mode: String, destinations urls: [String]) async throws(SubscriptionError) -> Subscription {
        guard let balance = BalanceMode(rawValue: mode) else {
            throw SubscriptionError(description: "unknown balance mode \"\(mode)\"")
        }
        var destinations: [Destination] = []
        for url in urls {
            do throws(SubscriptionError) {
                destinations.append(Destination(url: url, writer: try await DestinationWriters.make(url: url, settings: settings, logger: logger)))
            } catch {
                for made in destinations { await made.writer.close() }
                throw error
            }
        }
        return Subscription(key: key, mode: balance, destinations: destinations, settings: settings, counters: counters, logger: logger)
    }
}
