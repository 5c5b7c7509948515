/// The cluster metadata: databases and their retention policies.
///
/// This first version keeps databases in memory only; persistence to `meta/meta.db` in 1.x's
/// protobuf format, users, shard groups, continuous queries and subscriptions come with the
/// meta/store work.
public actor MetaClient {
    private var databases: [String: DatabaseInfo] = [:]

    public init() {}

    /// The database called `name`, if it exists.
    public func database(_ name: String) -> DatabaseInfo? { databases[name] }

    /// All databases, sorted by name.
    public func allDatabases() -> [DatabaseInfo] { databases.values.sorted { $0.name < $1.name } }

    /// Creates a database with 1.x's default retention policy (`autogen`, infinite duration);
    /// creating an existing database is not an error, as in 1.x.
    @discardableResult
    public func createDatabase(_ name: String) throws(MetaError) -> DatabaseInfo {
        guard !name.isEmpty else { throw .databaseNameRequired }
        guard name.utf8.count <= 255 else { throw .nameTooLong }
        if let existing = databases[name] { return existing }
        let info = DatabaseInfo(name: name, defaultRetentionPolicy: "autogen")
        databases[name] = info
        return info
    }
}

/// A database and the name of its default retention policy.
public struct DatabaseInfo: Sendable, Hashable {
    public var name: String
    public var defaultRetentionPolicy: String

    public init(name: String, defaultRetentionPolicy: String) {
        self.name = name
        self.defaultRetentionPolicy = defaultRetentionPolicy
    }
}

/// Meta errors with 1.x's messages.
public enum MetaError: Error, Sendable, Hashable, CustomStringConvertible {
    case databaseNameRequired
    case nameTooLong

    public var description: String {
        switch self {
        case .databaseNameRequired: "database name required"
        case .nameTooLong: "name too long"
        }
    }
}
