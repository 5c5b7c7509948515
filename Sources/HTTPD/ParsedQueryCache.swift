import InfluxQL
import Synchronization

/// The parsed form of recently seen query texts. Dashboards and agents send the same few
/// queries again and again; parsing is a tenth of a small query's time, and a parse depends on
/// nothing but the text (`now()` and time zones are resolved when the query runs), so a text
/// seen before skips it. Only texts without bound parameters are kept.
final class ParsedQueryCache: Sendable {
    /// Texts longer than this are parsed every time (a long text is rarely repeated, and each
    /// entry's size stays small).
    static let maxTextBytes = 4096

    private struct State {
        var entries: [String: Query] = [:]
        /// Insertion order, for evicting the oldest.
        var order: [String] = []
        var next = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// A cache of at most `capacity` queries (0 keeps none).
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The parse of `text`: cached, or parsed now (and cached when it parses).
    func query(_ text: String) throws(ParseError) -> Query {
        guard capacity > 0, text.utf8.count <= Self.maxTextBytes else { return try Parser.parseQuery(text) }
        if let known = state.withLock({ $0.entries[text] }) { return known }
        let query = try Parser.parseQuery(text)
        state.withLock { state in
            guard state.entries.updateValue(query, forKey: text) == nil else { return }
            if state.order.count < capacity {
                state.order.append(text)
            } else {
                // A ring over the insertion order: the oldest entry makes room.
                state.entries[state.order[state.next]] = nil
                state.order[state.next] = text
                state.next = (state.next + 1) % capacity
            }
        }
        return query
    }

    /// How many queries are held.
    var count: Int { state.withLock { $0.entries.count } }
}
