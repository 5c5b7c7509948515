import Synchronization

/// What `/debug/requests` counts (1.x's `RequestTracker`): while at least one `/debug/requests`
/// is waiting, every `/query` and `/write` request that passed authentication is counted per
/// client address and user, in each waiting profile. With none waiting, a request costs one
/// atomic load.
final class RequestTracker: Sendable {
    /// Counts of one client (`user:ip`, or `ip` without a user).
    struct Counts: Sendable, Equatable {
        var writes = 0
        var queries = 0
    }

    /// One `/debug/requests` collecting.
    final class Profile: Sendable {
        fileprivate let counts = Mutex<[String: Counts]>([:])

        /// The counts so far, by client key.
        var snapshot: [String: Counts] { counts.withLock { $0 } }
    }

    enum Kind { case query, write }

    private let active = Atomic<Int>(0)
    private let profiles = Mutex<[ObjectIdentifier: Profile]>([:])

    /// Whether some `/debug/requests` is collecting now.
    var isCollecting: Bool { active.load(ordering: .relaxed) > 0 }

    /// Starts a profile; `stop` it when its time is up.
    func start() -> Profile {
        let profile = Profile()
        profiles.withLock { $0[ObjectIdentifier(profile)] = profile }
        active.add(1, ordering: .relaxed)
        return profile
    }

    func stop(_ profile: Profile) {
        if profiles.withLock({ $0.removeValue(forKey: ObjectIdentifier(profile)) }) != nil {
            active.subtract(1, ordering: .relaxed)
        }
    }

    /// Counts a request from the current connection (1.x's `RequestTracker.Add`): only TCP
    /// clients count (Go cannot split a unix socket's `@` into host and port).
    func add(_ kind: Kind, user: String?) {
        guard active.load(ordering: .relaxed) > 0 else { return }
        guard let connection = ConnectionState.current, connection.remoteHasPort else { return }
        let key = user.map { $0.isEmpty ? connection.remoteHost : "\($0):\(connection.remoteHost)" } ?? connection.remoteHost
        for profile in profiles.withLock({ Array($0.values) }) {
            profile.counts.withLock { counts in
                switch kind {
                case .query: counts[key, default: Counts()].queries += 1
                case .write: counts[key, default: Counts()].writes += 1
                }
            }
        }
    }
}
