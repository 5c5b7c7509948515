import Foundation
import Graphite
import HTTPD
import TSDB

extension Config {
    /// 1.x's `Config.Validate` for the sections Sundial runs, in its order: the first problem
    /// stops the daemon before anything opens, with 1.x's text.
    public func validate() throws(ConfigError) {
        try refuseUnservedSections()
        // tsdb.Config.Validate (the [data] section comes before [monitor] in 1.x).
        if IndexVersion(rawValue: data.indexVersion) == nil { throw ConfigError("unrecognized index \(data.indexVersion)") }
        // Checked even with store-enabled off, as 1.x checks it.
        if monitor.storeInterval.nanoseconds <= 0 { throw ConfigError("monitor store interval must be positive") }
        if monitor.storeDatabase.isEmpty { throw ConfigError("monitor store database name must not be empty") }
        if continuousQueries.enabled && continuousQueries.runInterval.nanoseconds <= 0 {
            throw ConfigError("run-interval must be positive")
        }
        if retention.enabled && retention.checkInterval.nanoseconds <= 0 {
            throw ConfigError("check-interval must be positive")
        }
        if precreator.enabled {
            if precreator.checkInterval.nanoseconds <= 0 { throw ConfigError("check-interval must be positive") }
            if precreator.advancePeriod.nanoseconds <= 0 { throw ConfigError("advance-period must be positive") }
        }
        try http.validate()
        try subscriber.validate()
        // 1.x checks every [[graphite]] section, enabled or not.
        for c in graphite {
            do throws(GraphiteConfigError) { try GraphiteSettings.validate(templates: c.templates, tags: c.tags) } catch {
                throw ConfigError("invalid graphite config: \(error)")
            }
        }
        for section in collectd { try section.validate() }
    }
}

extension SubscriberConfig {
    /// 1.x's `subscriber.Config.Validate`, which checks the section even when it is disabled.
    func validate() throws(ConfigError) {
        if httpTimeout.nanoseconds <= 0 { throw ConfigError("http-timeout must be greater than 0") }
        if !caCerts.isEmpty {
            var directory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: caCerts, isDirectory: &directory) || directory.boolValue {
                throw ConfigError("ca-certs file \(Self.absolute(caCerts)) does not exist")
            }
        }
        if writeBufferSize <= 0 { throw ConfigError("write-buffer-size must be greater than 0") }
        if writeConcurrency <= 0 { throw ConfigError("write-concurrency must be greater than 0") }
    }

    /// Go's `filepath.Abs`: relative paths are taken from the working directory, then cleaned.
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") where part != "." {
            if part == ".." { if !parts.isEmpty { parts.removeLast() } } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension HTTPDConfig {
    /// What 1.8 refuses while loading `[http]`: a status filter it cannot parse, a socket group
    /// that does not exist.
    func validate() throws(ConfigError) {
        for filter in accessLogStatusFilters {
            do throws(StatusFilterError) { _ = try StatusFilter(parsing: filter) } catch { throw ConfigError(error.description) }
        }
        if let unixSocketGroup {
            do throws(UnixSocketError) { _ = try unixSocketGroup.resolve() } catch { throw ConfigError(error.description) }
        }
    }
}
