#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Synchronization

/// The cluster metadata: databases and their retention policies, persisted to `meta/meta.db`
/// in 1.x's protobuf format after every change (when a directory is given).
///
/// Users, shard groups, continuous queries and subscriptions are kept in the same message (a
/// real meta.db round-trips through Sundial with them intact).
///
/// Concurrency (Spec/meta-db.md): the current metadata is an immutable value published behind
/// a mutex that is held only to read or swap it, so every reader is synchronous and never
/// waits for a change. Changes are applied one at a time by a serial committer on a dedicated
/// thread (a copy is changed, its index bumped, saved to meta.db, then published); bcrypt runs
/// on a separate pool of dedicated threads. Nothing here blocks Swift's cooperative pool.
public final class MetaClient: Sendable {
    /// The published metadata: the lock is held only to copy the value out or to swap in a new one.
    private let published: Mutex<Meta_Data>
    private let path: String?
    /// `[meta] retention-autocreate`: new databases get `autogen`.
    private let retentionAutocreate: Bool
    /// The serial committer: one dedicated thread applying changes in submission order.
    private let committer: NIOThreadPool
    /// What the client does with disk and passwords (tests slow these down or count them).
    let hooks: Hooks
    /// 1.x's authentication cache: after a bcrypt check succeeds, a salted SHA-256 of the
    /// password, so later requests skip bcrypt (dropped when the user's hash changes).
    let authCache = Mutex<[String: CachedPassword]>([:])

    /// The blocking work a client does, replaceable in tests.
    struct Hooks: Sendable {
        /// Writes meta.db (on the committer thread).
        var save: @Sendable (Meta_Data, String) throws(MetaError) -> Void = { (data, path) throws(MetaError) in
            try MetaStore.save(data, to: path)
        }
        /// Checks a password against a bcrypt hash (on a password thread).
        var verifyPassword: @Sendable (_ password: String, _ hash: String) -> Bool = { Bcrypt.verify($0, hash: $1) }
        /// Hashes a new password (on a password thread).
        var hashPassword: @Sendable (_ password: String) -> String? = { Bcrypt.hash($0) }
    }

    /// An in-memory client (tests, tools).
    public convenience init() {
        self.init(path: nil, data: Self.fresh(), retentionAutocreate: true, hooks: Hooks())
    }

    /// Opens (or creates) `<directory>/meta.db`.
    public convenience init(directory: String, retentionAutocreate: Bool = true) throws(MetaError) {
        try self.init(directory: directory, retentionAutocreate: retentionAutocreate, hooks: Hooks())
    }

    /// Opens (or creates) `<directory>/meta.db` with `hooks` doing the blocking work.
    convenience init(directory: String, retentionAutocreate: Bool = true, hooks: Hooks) throws(MetaError) {
        if let (failed, code) = Self.makeDirectory(directory) { throw .io("mkdir \(failed): errno \(code)") }
        let path = directory + "/meta.db"
        let data: Meta_Data
        if let loaded = try MetaStore.load(path) {
            data = loaded
        } else {
            // As 1.x: a brand-new instance writes its meta.db at once.
            data = Self.fresh()
            try hooks.save(data, path)
        }
        self.init(path: path, data: data, retentionAutocreate: retentionAutocreate, hooks: hooks)
    }

    /// An in-memory client with `hooks` doing the blocking work.
    convenience init(hooks: Hooks) {
        self.init(path: nil, data: Self.fresh(), retentionAutocreate: true, hooks: hooks)
    }

    private init(path: String?, data: Meta_Data, retentionAutocreate: Bool, hooks: Hooks) {
        self.path = path
        self.published = Mutex(data)
        self.retentionAutocreate = retentionAutocreate
        self.hooks = hooks
        committer = NIOThreadPool(numberOfThreads: 1)
        committer.start()
    }

    deinit {
        // Pending changes hold the client, so none is left: the thread just exits.
        committer.shutdownGracefully { _ in }
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

    // MARK: Reading (the published snapshot; never waits for a change)

    /// The whole persisted message as last published (for inspection and tests).
    public func snapshot() -> Meta_Data { published.withLock { $0 } }

    /// The database called `name`, if it exists.
    public func database(_ name: String) -> DatabaseInfo? {
        let data = snapshot()
        return data.databaseIndex(name).map { DatabaseInfo(data.databases[$0]) }
    }

    /// All databases, in creation order (as 1.x lists them).
    public func allDatabases() -> [DatabaseInfo] { snapshot().databases.map(DatabaseInfo.init) }

    /// The stored user `name` (with its hash).
    func user(named name: String) -> Meta_UserInfo? {
        let data = snapshot()
        return data.userIndex(name).map { data.users[$0] }
    }

    // MARK: Changing (serialised by the committer)

    /// Creates a database with 1.x's default retention policy (`autogen`, infinite duration,
    /// 7-day shard groups) when `retention-autocreate` is on; an existing database is fine.
    @discardableResult
    public func createDatabase(_ name: String) async throws(MetaError) -> DatabaseInfo {
        let autocreate = retentionAutocreate
        return try await commit { (d) throws(MetaError) in
            let existed = d.databaseIndex(name) != nil
            try d.createDatabase(name)
            if !existed && autocreate {
                try d.createRetentionPolicy(database: name, name: "autogen", duration: 0, shardGroupDuration: 0, replicaN: 1, makeDefault: true)
            }
            return DatabaseInfo(d.databases[d.databaseIndex(name)!])
        }
    }

    /// Drops a database (and privileges on it); a missing one is fine.
    public func dropDatabase(_ name: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in d.dropDatabase(name) }
    }

    /// Creates a retention policy with 1.x's checks and shard duration normalisation.
    public func createRetentionPolicy(database: String, name: String, duration: Int64, shardGroupDuration: Int64 = 0, replicaN: Int = 1, makeDefault: Bool = false) async throws(MetaError) {
        if duration != 0 && duration < Meta_Data.minRetentionPolicyDuration { throw .retentionPolicyDurationTooLow }
        try await commit { (d) throws(MetaError) in
            try d.createRetentionPolicy(database: database, name: name, duration: duration, shardGroupDuration: shardGroupDuration, replicaN: replicaN, makeDefault: makeDefault)
        }
    }

    /// Drops a retention policy (missing database or policy: fine, as in 1.x).
    public func dropRetentionPolicy(database: String, name: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in d.dropRetentionPolicy(database: database, name: name) }
    }

    /// `ALTER RETENTION POLICY`: nil settings stay as they are.
    public func updateRetentionPolicy(database: String, name: String, duration: Int64? = nil, shardGroupDuration: Int64? = nil, replicaN: Int? = nil, makeDefault: Bool = false) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in
            try d.updateRetentionPolicy(database: database, name: name, duration: duration, shardGroupDuration: shardGroupDuration, replicaN: replicaN, makeDefault: makeDefault)
        }
    }

    /// Applies `body` on the committer thread, after every change submitted before it: to a
    /// copy of the published data, whose index is then bumped, saved and published — a failed
    /// change or write leaves the metadata as it was. Returns what `body` returned.
    func commit<Value: Sendable>(_ body: @escaping @Sendable (inout Meta_Data) throws(MetaError) -> Value) async throws(MetaError) -> Value {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, MetaError>, Never>) in
            // The pool runs until deinit, which cannot come while this holds `self`.
            committer.submit { _ in continuation.resume(returning: self.apply(body)) }
        }
        return try outcome.get()
    }

    /// One change, on the committer thread (the only writer of `published`).
    private func apply<Value>(_ body: (inout Meta_Data) throws(MetaError) -> Value) -> Result<Value, MetaError> {
        let current = snapshot()
        var copy = current
        let result: Value
        do throws(MetaError) {
            result = try body(&copy)
            guard copy != current else { return .success(result) }
            // Go's uint64 wraps; a damaged meta.db holding the largest index must not trap.
            copy.index &+= 1
            if let path { try hooks.save(copy, path) }
        } catch {
            return .failure(error)
        }
        // The previous version is released after the lock, not under it.
        published.withLock { swap(&$0, &copy) }
        return .success(result)
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
    case shardGroupNotFound
    case continuousQueryExists
    case subscriptionExists
    case subscriptionNotFound
    case invalidSubscriptionURL(String)
    case usernameRequired
    case userExists
    case userNotFound
    case authenticationFailed
    case io(String)
    /// The metadata holds something 1.x never writes (a damaged meta.db), what the server
    /// cannot do because of it.
    case corrupt(String)

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
        case .shardGroupNotFound: "shard group not found"
        case .continuousQueryExists: "continuous query already exists"
        case .subscriptionExists: "subscription already exists"
        case .subscriptionNotFound: "subscription not found"
        case .invalidSubscriptionURL(let url): "invalid subscription URL: \(url)"
        case .usernameRequired: "username required"
        case .userExists: "user already exists"
        case .userNotFound: "user not found"
        case .authenticationFailed: "authentication failed"
        case .io(let why): why
        case .corrupt(let why): why
        }
    }
}
