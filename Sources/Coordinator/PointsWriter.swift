import LineProtocol
import Meta
import TSDB

/// Routes written points to their database's storage, applying 1.x's shard-level validation.
///
/// Until the TSM engine and shards exist, accepted points are kept in memory per database
/// (lost on restart); field types are tracked per database, as one shard would.
public actor PointsWriter {
    private let meta: MetaClient
    private var fieldSets: [String: MeasurementFieldSet] = [:]
    private var stored: [String: [Point]] = [:]

    public init(meta: MetaClient) {
        self.meta = meta
    }

    /// Writes `points` to `database`; `retentionPolicy` empty means the default one.
    public func writePoints(database: String, retentionPolicy: String, points: [Point]) async throws(WriteError) {
        guard let info = await meta.database(database) else {
            throw .client("database not found: \"\(database)\"")
        }
        if !retentionPolicy.isEmpty && retentionPolicy != info.defaultRetentionPolicy {
            throw .server("retention policy not found: \(retentionPolicy)")
        }
        let (accepted, error) = fieldSets[database, default: MeasurementFieldSet()].validate(points)
        stored[database, default: []].append(contentsOf: accepted)
        if let error { throw error }
    }

    /// Points accepted so far for `database`, in write order.
    public func points(in database: String) -> [Point] { stored[database] ?? [] }
}
