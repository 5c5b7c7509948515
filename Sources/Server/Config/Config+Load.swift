import Foundation
import TOMLKit

extension Config {
    /// Parses influxdb.conf text over 1.x's defaults. Unknown keys are ignored, as in 1.x
    /// (their names come back in `unknownKeys` so the caller can warn).
    public init(toml text: String, unknownKeys: inout [String]) throws(ConfigError) {
        self.init()
        // 1.x still reads the pre-1.0 section name [cluster] as [coordinator].
        let renamed = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("[cluster]")
                ? Substring(line.replacingOccurrences(of: "[cluster]", with: "[coordinator]")) : line
        }.joined(separator: "\n")
        let table: TOMLTable
        do {
            table = try TOMLTable(string: renamed)
        } catch let error as TOMLParseError {
            throw ConfigError("parse config: \(error.description) (\(error.source.begin.debugDescription))")
        } catch {
            throw ConfigError("parse config: \(error)")
        }
        let sectionsByName = Dictionary(uniqueKeysWithValues: Self.sections.map { ($0.name, $0) })
        let topLevel = Dictionary(uniqueKeysWithValues: Self.topLevelKeys.map { ($0.name, $0) })
        for name in table.keys {
            guard let value = table[name] else { continue }
            if let section = sectionsByName[name] {
                unknownKeys += try section.load(value, into: &self)
            } else if let key = topLevel[name] {
                try key.apply(value, to: &self, path: name)
            } else {
                unknownKeys.append(name)
            }
        }
    }

    /// Parses influxdb.conf text, ignoring unknown keys.
    public init(toml text: String) throws(ConfigError) {
        var ignored: [String] = []
        try self.init(toml: text, unknownKeys: &ignored)
    }

    /// Applies `INFLUXDB_<SECTION>_<KEY>` overrides (e.g. `INFLUXDB_HTTP_BIND_ADDRESS`,
    /// `INFLUXDB_GRAPHITE_0_ENABLED`). Empty values are ignored, as in 1.x.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigError) {
        for key in Self.topLevelKeys {
            let variable = "INFLUXDB_" + Self.environmentName(key.name)
            if let text = environment[variable], !text.isEmpty {
                try key.apply(environment: text, to: &self, variable: variable)
            }
        }
        for section in Self.sections {
            try section.applyEnvironment(environment, to: &self)
        }
    }

    /// The configuration as influxdb.conf TOML text (what `sundiald config` prints).
    public var tomlText: String {
        var out = Self.topLevelKeys.compactMap { key in key.render(self).map { "\(key.name) = \($0)\n" } }.joined()
        for section in Self.sections {
            let rendered = section.render(self)
            if !rendered.isEmpty { out += "\n" + rendered }
        }
        return out
    }

    static func environmentName(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_").uppercased()
    }
}
