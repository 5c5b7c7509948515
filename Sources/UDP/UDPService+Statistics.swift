import InputSupport
import LineProtocol

extension UDPService: StatisticsReporter {
    /// 1.x's `udp` statistic, tagged with the configured bind address.
    public func statistics(tags: [String: String]) -> [Statistic] {
        [Statistic(input: "udp", tags: ["bind": settings.bindAddress], counters: statistics.values).adding(tags: tags)]
    }
}
