import LineProtocol

extension Statistic {
    /// An input's statistic (`graphite`, `collectd`, `opentsdb`, `udp`) from its counters,
    /// every one an integer as in 1.x.
    public init(input name: String, tags: [String: String], counters: [(name: String, value: Int64)]) {
        var values: [String: StatisticValue] = [:]
        for counter in counters { values[counter.name] = .integer(counter.value) }
        self.init(name: name, tags: tags, values: values)
    }
}
