import Foundation

/// Continuous queries and subscriptions (1.x `services/meta/data.go`).
extension Meta_Data {
    mutating func createContinuousQuery(database: String, name: String, query: String) throws(MetaError) {
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        if let existing = databases[d].continuousQueries.first(where: { $0.name == name }) {
            if existing.query.lowercased() == query.lowercased() { return }
            throw .continuousQueryExists
        }
        var cq = Meta_ContinuousQueryInfo()
        cq.name = name
        cq.query = query
        databases[d].continuousQueries.append(cq)
    }

    /// Missing database or query: no-op, as in 1.x.
    mutating func dropContinuousQuery(database: String, name: String) {
        guard let d = databaseIndex(database) else { return }
        databases[d].continuousQueries.removeAll { $0.name == name }
    }

    private func policyIndex(_ database: String, _ policy: String) throws(MetaError) -> (Int, Int) {
        guard let d = databaseIndex(database) else { throw .databaseNotFound(database) }
        guard let r = databases[d].retentionPolicies.firstIndex(where: { $0.name == policy }) else { throw .retentionPolicyNotFound(policy) }
        return (d, r)
    }

    mutating func createSubscription(database: String, policy: String, name: String, mode: String, destinations: [String]) throws(MetaError) {
        for destination in destinations where !Self.isValidSubscriptionURL(destination) {
            throw .invalidSubscriptionURL(destination)
        }
        let (d, r) = try policyIndex(database, policy)
        if databases[d].retentionPolicies[r].subscriptions.contains(where: { $0.name == name }) { throw .subscriptionExists }
        var s = Meta_SubscriptionInfo()
        s.name = name
        s.mode = mode
        s.destinations = destinations
        databases[d].retentionPolicies[r].subscriptions.append(s)
    }

    mutating func dropSubscription(database: String, policy: String, name: String) throws(MetaError) {
        let (d, r) = try policyIndex(database, policy)
        guard let i = databases[d].retentionPolicies[r].subscriptions.firstIndex(where: { $0.name == name }) else { throw .subscriptionNotFound }
        databases[d].retentionPolicies[r].subscriptions.remove(at: i)
    }

    /// 1.x's `validateURL`: udp, http or https with an explicit port.
    static func isValidSubscriptionURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["udp", "http", "https"].contains(scheme) else { return false }
        return url.port != nil
    }
}

extension MetaClient {
    public func createContinuousQuery(database: String, name: String, query: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.createContinuousQuery(database: database, name: name, query: query) }
    }

    public func dropContinuousQuery(database: String, name: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in d.dropContinuousQuery(database: database, name: name) }
    }

    public func createSubscription(database: String, policy: String, name: String, mode: String, destinations: [String]) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.createSubscription(database: database, policy: policy, name: name, mode: mode, destinations: destinations) }
    }

    public func dropSubscription(database: String, policy: String, name: String) async throws(MetaError) {
        try await commit { (d) throws(MetaError) in try d.dropSubscription(database: database, policy: policy, name: name) }
    }

    /// Continuous queries by database, in creation order: (database, [(name, query)]).
    public func continuousQueries() -> [(database: String, queries: [(name: String, query: String)])] {
        snapshot().databases.map { db in (db.name, db.continuousQueries.map { ($0.name, $0.query) }) }
    }
}
