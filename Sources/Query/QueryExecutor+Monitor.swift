import LineProtocol
import Monitor
import TSDB

extension QueryExecutor {
    /// `SHOW STATS [FOR 'module']`: a series per statistic (name, tags, columns sorted by
    /// value name, one row), as 1.x's statement executor builds them from the monitor; an
    /// unknown module shows nothing; `indexes` is the series indexes' estimated memory.
    func showStats(module: String) -> [Row] {
        // 1.x computes the index's size only when asked by name (it grows with the index).
        if module == "indexes" {
            return [Row(name: "indexes", columns: ["memoryBytes"], values: [[.integer(Int64(store.indexBytes))]])]
        }
        guard let monitor else { return [] }
        return monitor.statistics().compactMap { statistic in
            guard module.isEmpty || statistic.name == module else { return nil }
            let names = statistic.values.keys.sorted()
            let row: [Value] = names.map { name -> Value in
                switch statistic.values[name]! {
                case .integer(let v): return .integer(v)
                case .float(let v): return .float(v)
                }
            }
            return Row(name: statistic.name, tags: statistic.tags, columns: names, values: [row])
        }
    }

    /// `SHOW DIAGNOSTICS [FOR 'module']`: each diagnostics table as a series, sorted by name.
    func showDiagnostics(module: String) -> [Row] {
        guard let monitor else { return [] }
        return monitor.diagnostics().sorted { $0.key < $1.key }.compactMap { name, table in
            guard module.isEmpty || name == module else { return nil }
            return Row(name: name, columns: table.columns, values: table.rows.map { $0.map(Value.init) })
        }
    }
}

extension Value {
    init(_ diagnostic: DiagnosticValue) {
        switch diagnostic {
        case .string(let s): self = .string(s)
        case .integer(let v): self = .integer(v)
        case .boolean(let b): self = .boolean(b)
        // Go encodes a time.Time value as RFC 3339 text with nanoseconds.
        case .time(let ns): self = .string(RFC3339.nano(ns))
        }
    }
}
