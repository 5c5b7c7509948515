import LineProtocol

extension SubscriberService: StatisticsReporter {
    /// 1.x's `subscriber` statistics: the service's totals, then one per destination of each
    /// running subscription (tagged with its database, policy, name, mode and destination).
    public func statistics(tags: [String: String]) -> [Statistic] {
        let now = statistics
        var out = [Statistic(name: "subscriber", values: ["createFailures": .integer(now.createFailures),
                                                          "pointsWritten": .integer(now.pointsWritten),
                                                          "writeFailures": .integer(now.writeFailures)]).adding(tags: tags)]
        for destination in now.destinations {
            out.append(Statistic(name: "subscriber", tags: destination.tags,
                                 values: ["pointsWritten": .integer(destination.pointsWritten),
                                          "writeFailures": .integer(destination.writeFailures)]).adding(tags: tags))
        }
        return out
    }
}
