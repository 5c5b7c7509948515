import Coordinator
import LineProtocol
import Logging
import Meta

/// Where the monitor's points go (`[monitor] store-database`, policy `monitor`), shared by
/// the store loop and the continuous query service's `cq_query` points (1.x's
/// `Monitor.WritePoints`). Every point gets the global tags (`hostname`).
public struct StatisticsStore: Sendable {
    /// 1.x's `monitor` retention policy: 7 days, one replica.
    public static let retentionPolicy = "monitor"
    static let retentionDuration: Int64 = 7 * 24 * 3_600_000_000_000

    public let database: String
    public let globalTags: [String: String]
    let meta: MetaClient
    let pointsWriter: PointsWriter
    let logger: Logger

    public init(database: String, globalTags: [String: String] = ["hostname": ProcessFacts.hostname()],
                meta: MetaClient, pointsWriter: PointsWriter, logger: Logger) {
        self.database = database
        self.globalTags = globalTags
        self.meta = meta
        self.pointsWriter = pointsWriter
        var logger = logger
        logger[metadataKey: "service"] = "monitor"
        self.logger = logger
    }

    /// Creates the database with the `monitor` policy when it is missing, as 1.x does before
    /// each store. A database that exists without that policy is left alone; the write then
    /// fails and is logged, as in 1.x.
    func createStorage() async {
        guard meta.database(database) == nil else { return }
        do {
            _ = try await meta.createDatabase(database, policy: RetentionPolicySpec(name: Self.retentionPolicy,
                                                                                     duration: Self.retentionDuration, replicaN: 1))
        } catch {
            logger.info("Failed to create storage", metadata: ["db_instance": "\(database)", "error": "\(error)"])
        }
    }

    /// Writes statistics as points at `time`, in batches of 5,000 as 1.x does. A statistic
    /// without values is skipped (a point needs a field); empty tag values are left out.
    public func write(_ statistics: [Statistic], time: Int64) async {
        await createStorage()
        var batch: [Point] = []
        batch.reserveCapacity(min(statistics.count, 5000))
        for statistic in statistics where !statistic.values.isEmpty {
            let tags = statistic.adding(tags: globalTags).tags.filter { !$0.value.isEmpty }.map { ($0.key, $0.value) }
            let fields = statistic.values.map { (name, value) -> (String, FieldValue) in
                switch value {
                case .integer(let v): (name, .integer(v))
                case .float(let v): (name, .float(v))
                }
            }
            do {
                batch.append(try Point(measurement: statistic.name, tags: tags, fields: fields, time: time))
            } catch {
                logger.info("Dropping point", metadata: ["name": "\(statistic.name)", "error": "\(error)"])
                continue
            }
            if batch.count == 5000 {
                await write(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { await write(batch) }
    }

    private func write(_ points: [Point]) async {
        do {
            try await pointsWriter.writePoints(database: database, retentionPolicy: Self.retentionPolicy, points: points)
        } catch {
            logger.info("failed to store statistics", metadata: ["error": "\(error)"])
        }
    }
}
