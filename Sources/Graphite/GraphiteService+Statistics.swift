import InputSupport
import LineProtocol

extension GraphiteService: StatisticsReporter {
    /// 1.x's `graphite` statistic, tagged with the protocol and the configured bind address.
    public func statistics(tags: [String: String]) -> [Statistic] {
        [Statistic(input: "graphite", tags: ["proto": settings.transport.rawValue, "bind": settings.bindAddress],
                   counters: statistics.values).adding(tags: tags)]
    }
}
