import HTTPD

extension Config {
    /// A section Sundial cannot serve yet is refused when enabled, naming it, rather than
    /// loaded and ignored (a sender would get "connection refused" with nothing in the log).
    func refuseUnservedSections() throws(ConfigError) {
        let inputs: [(section: String, what: String, enabled: [Bool])] = [
            ("[ifql]", "the IFQL service", [ifql.enabled]),
        ]
        if http.enabled && http.fluxEnabled {
            throw ConfigError("[http] flux-enabled is true, but Sundial runs no Flux engine (InfluxQL only): set it to false to start")
        }
        for input in inputs where input.enabled.contains(true) {
            throw ConfigError("\(input.section) is enabled, but Sundial does not run \(input.what) yet: set enabled = false in that section to start")
        }
    }

    /// Settings on by default in 1.x that Sundial does not act on yet: refusing them would
    /// refuse every stock influxdb.conf, so the daemon says so at start instead.
    public var unservedDefaults: [String] {
        var out: [String] = []
        if monitor.storeEnabled {
            out.append("[monitor] store-enabled: Sundial does not write its statistics to \(monitor.storeDatabase) yet (dashboards on it stay empty)")
        }
        return out
    }
}
