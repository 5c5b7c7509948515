extension Config {
    /// A section Sundial cannot serve yet is refused when enabled, naming it, rather than
    /// loaded and ignored (a sender would get "connection refused" with nothing in the log).
    func refuseUnservedSections() throws(ConfigError) {
        let inputs: [(section: String, what: String, enabled: [Bool])] = [
            ("[[graphite]]", "the Graphite listener", graphite.map(\.enabled)),
            ("[[collectd]]", "the collectd listener", collectd.map(\.enabled)),
            ("[[opentsdb]]", "the OpenTSDB listener", opentsdb.map(\.enabled)),
            ("[[udp]]", "the UDP line protocol listener", udp.map(\.enabled)),
            ("[ifql]", "the IFQL service", [ifql.enabled]),
        ]
        for input in inputs where input.enabled.contains(true) {
            throw ConfigError("\(input.section) is enabled, but Sundial does not run \(input.what) yet: set enabled = false in that section to start")
        }
    }
}
