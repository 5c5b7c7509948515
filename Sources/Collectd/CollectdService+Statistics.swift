import InputSupport
import LineProtocol

extension CollectdService: StatisticsReporter {
    /// 1.x's `collectd` statistic, tagged with the configured bind address.
    public func statistics(tags: [String: String]) -> [Statistic] {
        [Statistic(input: "collectd", tags: ["bind": settings.bindAddress], counters: statistics.values).adding(tags: tags)]
    }
}
