import LineProtocol
import TSDB

/// What the handler needs to know about databases (the meta client in the server).
public protocol DatabaseCatalog: Sendable {
    /// Synchronous: answered from the published metadata, without waiting.
    func databaseExists(_ name: String) -> Bool
}

/// Where written points go (the coordinator's points writer in the server).
public protocol PointsWriting: Sendable {
    /// Writes points; `retentionPolicy` empty means the database's default.
    func writePoints(database: String, retentionPolicy: String, points: [Point]) async throws(WriteError)
}
