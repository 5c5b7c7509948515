#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The cluster metadata: databases and their retention policies, persisted to `meta/meta.db`
/// in 1.x's protobuf format after every change (when a directory is given).
///
/// Users, shard groups, continuous queries and subscriptions are kept in the same message (a
/// real meta.db round-trips through Sundial with them intact); their operations come with the
/// meta/store work.
public actor MetaClient {
    private var data: Meta_Data
    private let path: String?
    /// `[meta] retention-autocreate`: new databases get `autogen`.
    private let retentionAutocreate: Bool
    /// 1.x's authentication cache: after a bcrypt check succeeds, a salted SHA-256 of the
    /// password, so later requests skip bcrypt (cleared when the user's hash changes).
    var authCache: [String: (hash: String, salt: [UInt8], digest: [UInt8])] = [:]

    /// An in-memory client (tests, tools).
    public init() {
        path = nil
        retentionAutocreate = true
        data = Self.fresh()
    }

    /// Opens (or creates) `<directory>/meta.db`.
    public init(directory: String, retentionAutocreate: Bool = true) throws(MetaError) {
        if let (failed, code) = Self.makeDirectory(directory) { throw .io("mkdir \(failed): errno \(code)") }
        path = directory + "/meta.db"
        self.retentionAutocreate = retentionAutocreate
        if let loaded = try MetaStore.load(directory + "/meta.db") {
            data = loaded
        } else {
            // As 1.x: a brand-new instance writes its meta.db at once.
            data = Self.fresh()
            try MetaStore.save(data, to: directory + "/meta.db")
        }
    }

    /// 1.x's initial data: index 1 and a random cluster ID.
    static func fresh() -> Meta_Data {
        var data = Meta_Data()
        // proto2 required fields are written even when zero, as 1.x's marshaller does.
        data.term = 0
        data.index = 1
        data.clusterID = UInt64.random(in: 1 ... .max)
        data.maxNodeID = 0
        data.maxShardGroupID = 0
        data.maxShardID = 0
        return data
    }

    /// The whole persisted message (for inspection and tests).
    public func snapshot() -> Meta_Data { data }

    /// The database called `name`, if it exists.
    public func database(_ name: String) -> DatabaseInfo? {
        data.databaseIndex(name).map { DatabaseInfo(data.databases[$0]) }
    }

    /// All databases, in creation order (as 1.x lists them).
    public func allDatabases() -> [DatabaseInfo] { data.databases.map(DatabaseInfo.init) }

    /// Creates a database with 1.x's default retention policy (`autogen`, infinite duration,
    /// 7-day shard groups) when `retention-autocreate` is on; an existing database is fine.
    @discardableResult
    public func createDatabase(_ name: String) throws(MetaError) -> DatabaseInfo {
        try change { (d) throws(MetaError) in
            let existed = d.databaseIndex(name) != nil
            try d.createDatabase(name)
            if !existed && retentionAutocreate {
                try d.createRetentionPolicy(database: name, name: "autogen", duration: 0, shardGroupDuration: 0, replicaN: 1, makeDefault: true)
            }
        }
        return database(name)!
    }

    /// Drops a database (and privileges on it); a missing one is fine.
    public func dropDatabase(_ name: String) throws(MetaError) {
        try change { (d) throws(MetaError) in d.dropDatabase(name) }
    }

    /// Creates a retention policy with 1.x's checks and shard duration normalisation.
    public func createRetentionPolicy(database: String, name: String, duration: Int64, shardGroupDuration: Int64 = 0, replicaN: Int = 1, makeDefault: Bool = false) throws(MetaError) {
        if duration != 0 && duration < Meta_Data.minRetentionPolicyDuration { throw .retentionPolicyDurationTooLow }
        try change { (d) throws(MetaError) in
            try d.createRetentionPolicy(database: database, name: name, duration: duration, shardGroupDuration: shardGroupDuration, replicaN: replicaN, makeDefault: makeDefault)
        }
    }

    /// Drops a retention policy (missing database or policy: fine, as in 1.x).
    public func dropRetentionPolicy(database: String, name: String) throws(MetaError) {
        try change { (d) throws(MetaError) in d.dropRetentionPolicy(database: database, name: name) }
    }

    /// `ALTER RETENTION POLICY`: nil settings stay as they are.
    public func updateRetentionPolicy(database: String, name: String, duration: Int64? = nil, shardGroupDuration: Int64? = nil, replicaN: Int? = nil, makeDefault: Bool = false) throws(MetaError) {
        try change { (d) throws(MetaError) in
            try d.updateRetentionPolicy(database: database, name: name, duration: duration, shardGroupDuration: shardGroupDuration, replicaN: replicaN, makeDefault: makeDefault)
        }
    }

    /// The stored user `name` (with its hash).
    func user(named name: String) -> Meta_UserInfo? { data.userIndex(name).map { data.users[$0] } }

    /// `change`, for the extensions in other files.
    func mutate(_ body: (inout Meta_Data) throws(MetaError) -> Void) throws(MetaError) { try change(body) }

    /// Applies `body` to a copy, bumps the index, persists, then publishes: a failed change or
    /// write leaves the metadata as it was.
    private func change(_ body: (inout Meta_Data) throws(MetaError) -> Void) throws(MetaError) {
        var copy = data
        try body(&copy)
        guard copy != data else { return }
        copy.index += 1
        if let path { try MetaStore.save(copy, to: path) }
        data = copy
    }

    static func makeDirectory(_ path: String) -> (String, Int32)? {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o755) != 0 && errno != EEXIST { return (built, errno) }
        }
        return nil
    }
}

/// A database and its retention policies.
public struct DatabaseInfo: Sendable, Hashable {
    public var name: String
    public var defaultRetentionPolicy: String
    public var retentionPolicies: [RetentionPolicyInfo]

    public init(name: String, defaultRetentionPolicy: String, retentionPolicies: [RetentionPolicyInfo] = []) {
        self.name = name
        self.defaultRetentionPolicy = defaultRetentionPolicy
        self.retentionPolicies = retentionPolicies
    }

    init(_ pb: Meta_DatabaseInfo) {
        self.init(name: pb.name, defaultRetentionPolicy: pb.defaultRetentionPolicy, retentionPolicies: pb.retentionPolicies.map(RetentionPolicyInfo.init))
    }
}

/// A retention policy: durations in ns (0 = infinite).
public struct RetentionPolicyInfo: Sendable, Hashable {
    public var name: String
    public var duration: Int64
    public var shardGroupDuration: Int64
    public var replicaN: Int

    init(_ pb: Meta_RetentionPolicyInfo) {
        name = pb.name
        duration = pb.duration
        shardGroupDuration = pb.shardGroupDuration
        replicaN = Int(pb.replicaN)
    }
}

/// Meta errors with 1.x's messages.
public enum MetaError: Error, Sendable, Hashable, CustomStringConvertible {
    case databaseNameRequired
    case nameTooLong
    case databaseNotFound(String)
    case retentionPolicyNameRequired
    case retentionPolicyExists
    case retentionPolicyConflict
    case retentionPolicyDurationTooLow
    case incompatibleDurations
    case replicationFactorTooLow
    case retentionPolicyNotFound(String)
    case continuousQueryExists
    case subscriptionExists
    case subscriptionNotFound
    case invalidSubscriptionURL(String)
    case usernameRequired
    case userExists
    case userNotFound
    case authenticationFailed
    case io(String)

    public var description: String {
        switch self {
        case .databaseNameRequired: "database name required"
        case .nameTooLong: "name too long"
        case .databaseNotFound(let name): "database not found: \(name)"
        case .retentionPolicyNameRequired: "retention policy name required"
        case .retentionPolicyExists: "retention policy already exists"
        case .retentionPolicyConflict: "retention policy conflicts with an existing policy"
        case .retentionPolicyDurationTooLow: "retention policy duration must be at least 1h0m0s"
        case .incompatibleDurations: "retention policy duration must be greater than the shard duration"
        case .replicationFactorTooLow: "replication factor must be greater than 0"
        case .retentionPolicyNotFound(let name): "retention policy not found: \(name)"
        case .continuousQueryExists: "continuous query already exists"
        case .subscriptionExists: "subscription already exists"
        case .subscriptionNotFound: "subscription not found"
        case .invalidSubscriptionURL(let url): "invalid subscription URL: \(url)"
        case .usernameRequired: "username required"
        case .userExists: "user already exists"
        case .userNotFound: "user not found"
        case .authenticationFailed: "authentication failed"
        case .io(let why): why
        }
    }
}
