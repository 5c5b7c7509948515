import InputSupport
import LineProtocol

extension OpenTSDBService: StatisticsReporter {
    /// 1.x's `opentsdb` statistic, tagged with the configured bind address.
    public func statistics(tags: [String: String]) -> [Statistic] {
        [Statistic(input: "opentsdb", tags: ["bind": settings.bindAddress], counters: statistics.values).adding(tags: tags)]
    }
}
