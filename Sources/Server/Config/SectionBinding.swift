import Foundation
import TOMLKit

/// Ties a section name of influxdb.conf to where the section lives in `Config`.
protocol SectionBinding: Sendable {
    var name: String { get }
    /// Loads the section from its TOML value, returning the keys it did not know.
    func load(_ value: any TOMLValueConvertible, into config: inout Config) throws(ConfigError) -> [String]
    func applyEnvironment(_ environment: [String: String], to config: inout Config) throws(ConfigError)
    func render(_ config: Config) -> String
}

extension ConfigSection {
    /// Applies a TOML table's keys; returns the names of keys this section does not have.
    mutating func load(_ table: TOMLTable, path: String) throws(ConfigError) -> [String] {
        var unknown: [String] = []
        let byName = Dictionary(uniqueKeysWithValues: Self.keys.map { ($0.name, $0) })
        for name in table.keys {
            guard let value = table[name] else { continue }
            guard let key = byName[name] else {
                unknown.append("\(path).\(name)")
                continue
            }
            try key.apply(value, to: &self, path: "\(path).\(name)")
        }
        return unknown
    }

    /// Applies `PREFIX_KEY` variables, as 1.x's `toml.ApplyEnvOverrides` names them.
    mutating func applyEnvironment(_ environment: [String: String], prefix: String) throws(ConfigError) {
        for key in Self.keys {
            let variable = prefix + "_" + Self.environmentName(key.name)
            if case .strings(let kp) = key.kind {
                // A comma list replaces the array; `VAR_<i>` replaces element i.
                if let text = environment[variable], !text.isEmpty {
                    try key.apply(environment: text, to: &self, variable: variable)
                }
                for i in self[keyPath: kp].indices {
                    if let text = environment["\(variable)_\(i)"], !text.isEmpty { self[keyPath: kp][i] = text }
                }
                continue
            }
            guard let text = environment[variable], !text.isEmpty else { continue }
            try key.apply(environment: text, to: &self, variable: variable)
        }
    }

    /// Lines `  key = value` for `sundiald config`.
    func renderKeys(indent: String) -> String {
        Self.keys.filter { if case .stringMap = $0.kind { return false } else { return true } }
            .compactMap { key in key.render(self).map { "\(indent)\(key.name) = \($0)\n" } }.joined()
    }

    static func environmentName(_ name: String) -> String {
        name.replacingOccurrences(of: "-", with: "_").uppercased()
    }
}

struct TableBinding<Section: ConfigSection>: SectionBinding, @unchecked Sendable {
    let name: String
    let keyPath: WritableKeyPath<Config, Section>

    func load(_ value: any TOMLValueConvertible, into config: inout Config) throws(ConfigError) -> [String] {
        guard let table = value.table else { throw ConfigError("\(name): expected a table") }
        return try config[keyPath: keyPath].load(table, path: name)
    }

    func applyEnvironment(_ environment: [String: String], to config: inout Config) throws(ConfigError) {
        try config[keyPath: keyPath].applyEnvironment(environment, prefix: "INFLUXDB_" + Section.environmentName(name))
    }

    func render(_ config: Config) -> String {
        let section = config[keyPath: keyPath]
        var out = "[\(name)]\n" + section.renderKeys(indent: "  ")
        for key in Section.keys {
            guard case .stringMap(let kp) = key.kind, !section[keyPath: kp].isEmpty else { continue }
            out += "\n[\(name).\(key.name)]\n"
            for (k, v) in section[keyPath: kp].sorted(by: { $0.key < $1.key }) {
                out += "  \(ConfigKey<Section>.quote(k)) = \(ConfigKey<Section>.quote(v))\n"
            }
        }
        return out
    }
}

struct ArrayBinding<Section: ConfigSection>: SectionBinding, @unchecked Sendable {
    let name: String
    let keyPath: WritableKeyPath<Config, [Section]>

    func load(_ value: any TOMLValueConvertible, into config: inout Config) throws(ConfigError) -> [String] {
        guard let array = value.array else { throw ConfigError("\(name): expected an array of tables ([[\(name)]])") }
        var sections: [Section] = []
        var unknown: [String] = []
        for (i, element) in array.enumerated() {
            guard let table = element.table else { throw ConfigError("\(name)[\(i)]: expected a table") }
            var section = Section.arrayElement
            unknown += try section.load(table, path: "\(name)[\(i)]")
            sections.append(section)
        }
        config[keyPath: keyPath] = sections
        return unknown
    }

    func applyEnvironment(_ environment: [String: String], to config: inout Config) throws(ConfigError) {
        let prefix = "INFLUXDB_" + Section.environmentName(name)
        for i in config[keyPath: keyPath].indices {
            // The unindexed form applies to every element, then `_<i>` to element i, as in 1.x.
            try config[keyPath: keyPath][i].applyEnvironment(environment, prefix: prefix)
            try config[keyPath: keyPath][i].applyEnvironment(environment, prefix: "\(prefix)_\(i)")
        }
    }

    func render(_ config: Config) -> String {
        config[keyPath: keyPath].map { "[[\(name)]]\n" + $0.renderKeys(indent: "  ") }.joined(separator: "\n")
    }
}
