import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Meta

/// The published snapshot, the serial committer and the password threads (Spec/meta-db.md,
/// "Concurrency"). Nothing here measures time: the committer and the password checks are held
/// at a gate while the test shows what answers meanwhile. A gate opens by itself after
/// `gateLimit` only so that a broken client (one whose readers wait for the committer, or that
/// checks passwords on the caller's thread) fails these tests instead of hanging them.
@Suite("Meta concurrency", .timeLimit(.minutes(3)))
struct ConcurrencyTests {
    static let hour: Int64 = 3_600_000_000_000
    static let week: Int64 = 7 * 86_400_000_000_000
    static let gateLimit: DispatchTimeInterval = .seconds(60)

    // MARK: Readers never wait for a change

    /// A change held while its meta.db is being saved.
    enum SlowChange: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case createDatabase, dropDatabase, createShardGroup, createUser, createRetentionPolicy

        var testDescription: String { rawValue }

        func apply(to meta: MetaClient) async throws(MetaError) {
            switch self {
            case .createDatabase: try await meta.createDatabase("new")
            case .dropDatabase: try await meta.dropDatabase("old")
            case .createShardGroup: _ = try await meta.shardGroup(database: "old", policy: "autogen", for: ConcurrencyTests.week)
            case .createUser: try await meta.createUser("u", password: "pw", admin: true)
            case .createRetentionPolicy: try await meta.createRetentionPolicy(database: "old", name: "rp", duration: 0, makeDefault: true)
            }
        }

        /// Whether `meta` shows the change.
        func isVisible(in meta: MetaClient) -> Bool {
            switch self {
            case .createDatabase: meta.database("new") != nil
            case .dropDatabase: meta.database("old") == nil
            case .createShardGroup: meta.shardGroup(database: "old", policy: "autogen", containing: ConcurrencyTests.week) != nil
            case .createUser: meta.userCount() == 1 && meta.adminUserExists()
            case .createRetentionPolicy: meta.database("old")?.defaultRetentionPolicy == "rp"
            }
        }
    }

    @Test(arguments: SlowChange.allCases)
    func readersAnswerFromTheOldDataWhileAChangeIsSaved(change: SlowChange) async throws {
        let gate = SaveGate()
        let dir = MetaDBTests.temporaryDirectory()
        let meta = try MetaClient(directory: dir, hooks: gate.hooks)
        try await meta.createDatabase("old")
        let oldGroup = try await meta.shardGroup(database: "old", policy: "autogen", for: 0)
        let before = meta.snapshot()

        gate.arm()
        let pending = Task { try await change.apply(to: meta) }
        await gate.waitUntilSaving()

        // The committer is inside `save`; every reader answers at once, from the old data.
        #expect(meta.snapshot() == before)
        #expect(!change.isVisible(in: meta))
        #expect(meta.database("old")?.defaultRetentionPolicy == "autogen")
        #expect(meta.allDatabases().map(\.name) == ["old"])
        #expect(meta.shardGroup(database: "old", policy: "autogen", containing: 0) == oldGroup)
        #expect(meta.shardGroup(database: "old", policy: "autogen", containing: Self.week) == nil)
        #expect(meta.userCount() == 0 && meta.allUsers().isEmpty)
        #expect(meta.shardIDs(database: "old") == oldGroup.shardIDs)
        // An existing group is still found through the creating variant without the committer.
        #expect(try await meta.shardGroup(database: "old", policy: "autogen", for: 1) == oldGroup)

        gate.open()
        try await pending.value
        #expect(change.isVisible(in: meta))
        #expect(meta.snapshot().index == before.index + 1)
        #expect(try MetaStore.load(dir + "/meta.db") == meta.snapshot())
        #expect(!gate.ranOnATask)
    }

    /// A failed save publishes nothing, reports the error to its caller only, and the next
    /// change goes on from the published data.
    @Test func failedSaveLeavesThePublishedData() async throws {
        let gate = SaveGate(failure: .io("write meta.db: errno 28"))
        let dir = MetaDBTests.temporaryDirectory()
        let meta = try MetaClient(directory: dir, hooks: gate.hooks)
        try await meta.createDatabase("old")
        let before = meta.snapshot()
        gate.arm()
        await #expect(throws: MetaError.io("write meta.db: errno 28")) { try await meta.createDatabase("new") }
        #expect(meta.snapshot() == before)
        #expect(meta.database("new") == nil)
        try await meta.createDatabase("next")
        #expect(meta.allDatabases().map(\.name) == ["old", "next"])
        #expect(meta.snapshot().index == before.index + 1)
        #expect(try MetaStore.load(dir + "/meta.db") == meta.snapshot())
    }

    /// Changes submitted while one is held wait behind it, in order; readers still answer.
    @Test func changesQueueBehindAHeldOne() async throws {
        let gate = SaveGate()
        let meta = try MetaClient(directory: MetaDBTests.temporaryDirectory(), hooks: gate.hooks)
        let index = meta.snapshot().index
        gate.arm()
        let first = Task { try await meta.createDatabase("first") }
        await gate.waitUntilSaving()
        let second = Task { try await meta.createDatabase("second") }
        #expect(meta.allDatabases().isEmpty)
        gate.open()
        #expect(try await second.value.name == "second")
        #expect(try await first.value.name == "first")
        #expect(meta.allDatabases().map(\.name) == ["first", "second"])
        #expect(meta.snapshot().index == index + 2)
    }

    // MARK: Concurrent changes

    /// 50 callers at once create databases (some the same) and shard groups (for `times`
    /// distinct groups): all succeed, each group is created once, and meta.db is what is published.
    @Test(arguments: [1, 7, 50])
    func concurrentChangesAreSerialised(times: Int) async throws {
        let dir = MetaDBTests.temporaryDirectory()
        let meta = try MetaClient(directory: dir)
        try await meta.createDatabase("db")
        try await meta.createRetentionPolicy(database: "db", name: "h", duration: 0, shardGroupDuration: Self.hour)
        let start = meta.snapshot().index
        let callers = 50
        let results = try await withThrowingTaskGroup(of: (time: Int64, group: ShardGroupInfo, database: DatabaseInfo).self) { tasks in
            for i in 0..<callers {
                tasks.addTask {
                    let time = Int64(i % times) * Self.hour + Int64(i)
                    let database = try await meta.createDatabase("db\(i % 5)")
                    return (time, try await meta.shardGroup(database: "db", policy: "h", for: time), database)
                }
            }
            var all: [(time: Int64, group: ShardGroupInfo, database: DatabaseInfo)] = []
            for try await result in tasks { all.append(result) }
            return all
        }
        #expect(results.count == callers)
        for r in results {
            #expect(r.group.start <= r.time && r.time < r.group.end)
            #expect(r.group.start == r.time / Self.hour * Self.hour)
            #expect(r.database.name.hasPrefix("db") && r.database.defaultRetentionPolicy == "autogen")
        }
        let idsByStart = Dictionary(grouping: results, by: \.group.start).mapValues { Set($0.map(\.group.id)) }
        #expect(idsByStart.count == times && idsByStart.values.allSatisfy { $0.count == 1 })

        let data = meta.snapshot()
        let groups = data.databases[0].retentionPolicies[1].shardGroups
        #expect(groups.count == times)
        #expect(data.maxShardGroupID == UInt64(times) && data.maxShardID == UInt64(times))
        #expect(Set(groups.flatMap { $0.shards.map(\.id) }).count == times)
        #expect(meta.allDatabases().map(\.name).sorted() == ["db", "db0", "db1", "db2", "db3", "db4"])
        // One index step per change that changed something: 5 databases, `times` groups.
        #expect(data.index == start + 5 + UInt64(times))
        // Byte for byte: the published value saved elsewhere is the file.
        let elsewhere = MetaDBTests.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try MetaStore.save(data, to: elsewhere + "/meta.db")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/meta.db")) == Data(contentsOf: URL(fileURLWithPath: elsewhere + "/meta.db")))
        #expect(try MetaStore.load(dir + "/meta.db") == data)
    }

    /// Concurrent callers each get their own answer: a result or their own error.
    @Test func concurrentCallersGetTheirOwnOutcome() async throws {
        let meta = try MetaClient(directory: MetaDBTests.temporaryDirectory())
        let start = meta.snapshot().index
        let outcomes = await withTaskGroup(of: (Int, Result<String, MetaError>).self) { tasks in
            for i in 0..<50 {
                tasks.addTask {
                    do throws(MetaError) {
                        if i.isMultiple(of: 2) { return (i, .success(try await meta.createDatabase("ok\(i)").name)) }
                        try await meta.createRetentionPolicy(database: "missing\(i)", name: "rp", duration: 0)
                        return (i, .success(""))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var all: [Int: Result<String, MetaError>] = [:]
            for await (i, outcome) in tasks { all[i] = outcome }
            return all
        }
        for (i, outcome) in outcomes {
            if i.isMultiple(of: 2) {
                #expect(outcome == .success("ok\(i)"))
            } else {
                #expect(outcome == .failure(.databaseNotFound("missing\(i)")))
            }
        }
        #expect(meta.allDatabases().count == 25)
        #expect(meta.snapshot().index == start + 25)
    }

    // MARK: Passwords

    /// While wrong passwords are being checked (held at the gate, so none has answered), reads,
    /// changes and a cached login all complete.
    @Test(arguments: [1, 8])
    func passwordChecksBlockNeitherReadersNorWriters(attempts: Int) async throws {
        let gate = PasswordGate()
        let meta = MetaClient(hooks: gate.hooks)
        try await meta.createDatabase("db")
        try await meta.createUser("admin", password: "pw", admin: true)
        #expect(try await meta.authenticate("admin", password: "pw").admin)  // checked once, then cached
        let answered = Counter()

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<attempts {
                tasks.addTask {
                    await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("admin", password: "wrong") }
                    answered.increment()
                }
            }
            await gate.waitUntilChecking()

            #expect(meta.database("db") != nil)
            #expect(meta.adminUserExists() && meta.userCount() == 1)
            #expect(meta.user("admin")?.admin == true)
            #expect(meta.shardGroup(database: "db", policy: "autogen", containing: 0) == nil)
            let group = try await meta.shardGroup(database: "db", policy: "autogen", for: 0)
            #expect(meta.shardGroup(database: "db", policy: "autogen", containing: 0) == group)
            try await meta.createDatabase("during")
            try await meta.setPrivilege(user: "admin", database: "during", privilege: 3)
            #expect(meta.allDatabases().map(\.name) == ["db", "during"])
            #expect(try await meta.authenticate("admin", password: "pw").admin)  // from the cache
            #expect(answered.value == 0)

            gate.open(attempts)
            try await tasks.waitForAll()
        }
        #expect(answered.value == attempts)
        #expect(gate.checks.value == 1 + attempts)
        #expect(!gate.ranOnATask)
    }

    /// 1.x's authentication cache: a second correct login skips bcrypt; a changed password (or
    /// a dropped user) drops the entry, and the old password fails.
    @Test func secondLoginSkipsBcryptUntilThePasswordChanges() async throws {
        let checks = Counter()
        var hooks = MetaClient.Hooks()
        hooks.verifyPassword = { password, hash in
            checks.increment()
            return Bcrypt.verify(password, hash: hash)
        }
        let meta = MetaClient(hooks: hooks)
        try await meta.createUser("u", password: "one", admin: false)
        #expect(checks.value == 0)

        let steps: [(password: String, succeeds: Bool, checks: Int)] = [
            ("one", true, 1),  // bcrypt, then cached
            ("one", true, 1),  // from the cache
            ("two", false, 2),  // not the cached password: bcrypt says no
            ("one", true, 2),  // the entry survives a wrong attempt
        ]
        try await Self.run(steps, on: meta, checks: checks)

        try await meta.setPassword(user: "u", password: "two")
        #expect(meta.authCache.withLock { $0["u"] } == nil)
        try await Self.run([("one", false, 3), ("two", true, 4), ("two", true, 4)], on: meta, checks: checks)

        // Re-creating with the same password compares it with bcrypt, as 1.x does.
        #expect(try await meta.createUser("u", password: "two", admin: false).name == "u")
        #expect(checks.value == 5)

        try await meta.dropUser("u")
        #expect(meta.authCache.withLock { $0["u"] } == nil)
        try await meta.createUser("u", password: "three", admin: false)
        try await Self.run([("two", false, 6), ("three", true, 7), ("three", true, 7)], on: meta, checks: checks)
    }

    static func run(_ steps: [(password: String, succeeds: Bool, checks: Int)], on meta: MetaClient, checks: Counter) async throws {
        for step in steps {
            if step.succeeds {
                #expect(try await meta.authenticate("u", password: step.password).name == "u")
            } else {
                await #expect(throws: MetaError.authenticationFailed) { try await meta.authenticate("u", password: step.password) }
            }
            #expect(checks.value == step.checks, "after \(step.password)")
        }
    }

    /// A user created by a concurrent `CREATE USER` with the same password and admin flag is fine.
    @Test func concurrentIdenticalCreateUsers() async throws {
        let meta = MetaClient()
        try await withThrowingTaskGroup(of: UserInfo.self) { tasks in
            for _ in 0..<4 { tasks.addTask { try await meta.createUser("same", password: "pw", admin: true) } }
            for try await user in tasks { #expect(user.name == "same" && user.admin) }
        }
        #expect(meta.allUsers().map(\.name) == ["same"])
    }
}

// MARK: Helpers

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .sequentiallyConsistent) }
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

/// Holds the committer inside `save`: once armed, the next save tells the test it has begun
/// and waits (on the committer's thread) until opened — or fails with `failure`.
final class SaveGate: Sendable {
    private let armed = Atomic<Bool>(false)
    private let onTask = Atomic<Bool>(false)
    private let released = DispatchSemaphore(value: 0)
    private let saving: AsyncStream<Void>
    private let savingContinuation: AsyncStream<Void>.Continuation
    private let failure: MetaError?

    init(failure: MetaError? = nil) {
        (saving, savingContinuation) = AsyncStream.makeStream()
        self.failure = failure
    }

    func arm() { armed.store(true, ordering: .sequentiallyConsistent) }
    func open() { released.signal() }
    func waitUntilSaving() async { for await _ in saving { return } }
    /// Whether the held save ran inside a Swift task (it must run on the committer's own thread).
    var ranOnATask: Bool { onTask.load(ordering: .sequentiallyConsistent) }

    var hooks: MetaClient.Hooks {
        var hooks = MetaClient.Hooks()
        hooks.save = { (data, path) throws(MetaError) in
            if self.armed.exchange(false, ordering: .sequentiallyConsistent) {
                if withUnsafeCurrentTask(body: { $0 != nil }) { self.onTask.store(true, ordering: .sequentiallyConsistent) }
                if let failure = self.failure { throw failure }
                self.savingContinuation.yield()
                _ = self.released.wait(timeout: .now() + ConcurrencyTests.gateLimit)
            }
            try MetaStore.save(data, to: path)
        }
        return hooks
    }
}

/// Holds checks of the password "wrong" until opened; others are checked with bcrypt.
final class PasswordGate: Sendable {
    let checks = Counter()
    private let onTask = Atomic<Bool>(false)
    private let released = DispatchSemaphore(value: 0)
    private let checking: AsyncStream<Void>
    private let checkingContinuation: AsyncStream<Void>.Continuation

    init() { (checking, checkingContinuation) = AsyncStream.makeStream() }

    func open(_ count: Int) { for _ in 0..<count { released.signal() } }
    func waitUntilChecking() async { for await _ in checking { return } }
    var ranOnATask: Bool { onTask.load(ordering: .sequentiallyConsistent) }

    var hooks: MetaClient.Hooks {
        var hooks = MetaClient.Hooks()
        hooks.verifyPassword = { password, hash in
            self.checks.increment()
            if withUnsafeCurrentTask(body: { $0 != nil }) { self.onTask.store(true, ordering: .sequentiallyConsistent) }
            guard password == "wrong" else { return Bcrypt.verify(password, hash: hash) }
            self.checkingContinuation.yield()
            _ = self.released.wait(timeout: .now() + ConcurrencyTests.gateLimit)
            return false
        }
        return hooks
    }
}
