import HTTPD

extension Config {
    /// A section Sundial cannot serve yet is refused when enabled, naming it, rather than
    /// loaded and ignored (a sender would get "connection refused" with nothing in the log).
    func refuseUnservedSections() throws(ConfigError) {
        let inputs: [(section: String, what: String, enabled: [Bool])] = []
        if http.enabled && http.fluxEnabled {
            throw ConfigError("[http] flux-enabled is true, but Sundial runs no Flux engine (InfluxQL only): set it to false to start")
        }
        for input in inputs where input.enabled.contains(true) {
            throw ConfigError("\(input.section) is enabled, but Sundial does not run \(input.what) yet: set enabled = false in that section to start")
        }
    }
}
