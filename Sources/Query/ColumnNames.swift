import InfluxQL

/// 1.x's column naming (`SelectStatement.ColumnNames`): aliases are taken as written, even
/// when they repeat (`mean(v) AS m, max(v) AS m`); the other names are then made unique
/// against every name already used, with `_1`, `_2`, …. Fields a wildcard call expands to
/// (`mean(*)` → `mean_v`) count as aliased, as 1.x's `RewriteFields` aliases them.
enum ColumnNames {
    static func resolve(_ names: [String], aliased: [Bool]) -> [String] {
        var used: [String: Int] = [:]
        for (name, isAlias) in zip(names, aliased) where isAlias { used[name] = 1 }
        var out = names
        for i in names.indices where !(i < aliased.count && aliased[i]) {
            var name = names[i]
            if var count = used[name] {
                while true {
                    let candidate = "\(name)_\(count)"
                    if used[candidate] == nil {
                        used[name] = count + 1
                        name = candidate
                        break
                    }
                    count += 1
                }
            }
            used[name, default: 0] += 1
            out[i] = name
        }
        return out
    }

    /// Whether a field is a call over `*` or a regex (directly or inside a transformation),
    /// whose expanded columns 1.x aliases.
    static func isWildcardCall(_ e: Expr) -> Bool {
        guard case .call(_, let args) = e, let first = args.first else { return false }
        switch first {
        case .wildcard, .regex: return true
        case .call: return isWildcardCall(first)
        default: return false
        }
    }
}
