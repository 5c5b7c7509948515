import InfluxQL
import TSDB

/// The columns of a SELECT of aggregates: fields and wildcards expanded, names made unique.
extension AggregateSelect {
    /// The columns of the fields, wildcards expanded; `aliased` gets, per column, whether 1.x
    /// treats its name as an alias (``ColumnNames``).
    func expand(fieldTypes: [String: FieldType], tagKeys: Set<String>, dimensions: Set<String>, aliased: inout [Bool]) throws(StatementError) -> [Column] {
        // A subquery's tag columns are not fields to a wildcard call.
        var tagColumns = Set<String>()
        for target in targets { for case let sub as SubquerySource in target.shards { tagColumns.formUnion(sub.tagColumns.union(sub.wildcardHidden)) } }
        let wildcardTypes = tagColumns.isEmpty ? fieldTypes : fieldTypes.filter { !tagColumns.contains($0.key) }
        var out: [Column] = []
        var flags: [Bool] = []
        var pending: (field: Field, start: Int)?
        // Flags for the previous field's columns (a branch may `continue` past the loop's end).
        func flush() {
            guard let (field, start) = pending else { return }
            let wildcard = ColumnNames.isWildcardCall(field.expr)
            for k in 0..<(out.count - start) { flags.append(wildcard || (k == 0 && !field.alias.isEmpty)) }
            pending = nil
        }
        defer {
            flush()
            aliased = flags
        }
        for field in statement.fields {
            flush()
            pending = (field, out.count)
            switch field.expr {
            case .varRef("time", _): continue
            case .varRef(let name, let type):
                let source: RawSelect.Source = fieldTypes[name] != nil && type != .tag ? .field(name, type)
                    : (tagKeys.contains(name) ? .tag(name) : .none)
                out.append(.aux(RawSelect.Column(name: field.alias.isEmpty ? name : field.alias, source: source)))
            case .distinct(let name):
                out.append(.call(Call(function: "distinct", field: name, argument: 0, column: field.alias.isEmpty ? "distinct" : field.alias)))
            case .call(let name, let args) where Transform.names.contains(name):
                guard case .call(let inner, let innerArgs)? = args.first, let arg = innerArgs.first else {
                    throw StatementError("not implemented yet: \(field.expr)")
                }
                let argument = Transform.argument(name, args)
                let explicitUnit = args.count > 1
                let column = field.alias.isEmpty ? name : field.alias
                let innerArgument = Self.callArgument(inner, innerArgs)
                switch arg {
                case .varRef(let f, _):
                    out.append(.transform(name, Call(function: inner, field: f, argument: innerArgument, column: inner), argument, column, explicitUnit: explicitUnit))
                case .call("distinct", let d) where inner == "count":
                    guard case .varRef(let f, _)? = d.first else { throw StatementError("not implemented yet: \(field.expr)") }
                    out.append(.transform(name, Call(function: "countDistinct", field: f, argument: 0, column: inner), argument, column, explicitUnit: explicitUnit))
                case .distinct(let f) where inner == "count":
                    out.append(.transform(name, Call(function: "countDistinct", field: f, argument: 0, column: inner), argument, column, explicitUnit: explicitUnit))
                case .wildcard, .regex:
                    // derivative(mean(*)): one transformation per field the inner call takes.
                    for f in Self.wildcardFields(inner, arg, wildcardTypes) {
                        out.append(.transform(name, Call(function: inner, field: f, argument: innerArgument, column: inner), argument, "\(column)_\(f)", explicitUnit: explicitUnit))
                    }
                default:
                    throw StatementError("not implemented yet: \(field.expr)")
                }
            case .binary, .paren:
                out.append(.math(field.expr, field.alias.isEmpty ? FieldMath.name(field.expr) : field.alias))
            case .call(let name, _) where SelectCompiler.mathFunctions.contains(name):
                out.append(.math(field.expr, field.alias.isEmpty ? FieldMath.name(field.expr) : field.alias))
            case .call(let name, let args):
                if name == "count", case .call("distinct", let inner)? = args.first, case .varRef(let f, _)? = inner.first {
                    out.append(.call(Call(function: "countDistinct", field: f, argument: 0, column: field.alias.isEmpty ? "count" : field.alias)))
                    continue
                }
                if name == "count", case .distinct(let f)? = args.first {
                    out.append(.call(Call(function: "countDistinct", field: f, argument: 0, column: field.alias.isEmpty ? "count" : field.alias)))
                    continue
                }
                var argument = Self.callArgument(name, args)
                switch args[0] {
                case .varRef(let f, _) where name == "top" || name == "bottom":
                    let tags = Self.selectorTagArguments(args)
                    argument = args.last?.numericValue ?? 0
                    out.append(.call(Call(function: name, field: f, argument: argument, column: field.alias.isEmpty ? name : field.alias, tags: tags)))
                    for t in tags {
                        let source: RawSelect.Source = tagKeys.contains(t) ? .tag(t) : (fieldTypes[t] != nil ? .field(t, .unknown) : .none)
                        out.append(.aux(RawSelect.Column(name: t, source: source)))
                    }
                case .varRef(let f, _):
                    out.append(.call(Call(function: name, field: f, argument: argument, column: field.alias.isEmpty ? name : field.alias)))
                case .wildcard, .regex:
                    for f in Self.wildcardFields(name, args[0], wildcardTypes) {
                        let prefix = field.alias.isEmpty ? name : field.alias
                        out.append(.call(Call(function: name, field: f, argument: argument, column: "\(prefix)_\(f)")))
                    }
                default:
                    throw StatementError("not implemented yet: \(field.expr)")
                }
            default:
                throw StatementError("not implemented yet: \(field.expr)")
            }
        }
        return out
    }

    /// The fields a call over `*` or a regex reads, in byte order: numeric ones for the
    /// functions that only take numbers, all but strings for min and max.
    static func wildcardFields(_ function: String, _ arg: Expr, _ fieldTypes: [String: FieldType]) -> [String] {
        var names = fieldTypes.keys.filter { f in
            let t = fieldTypes[f]!
            switch function {
            case _ where AnalyzedPlan.numericOnly.contains(function): return t != .string && t != .boolean
            case "min", "max": return t != .string
            default: return true
            }
        }
        if case .regex(let re) = arg { names = names.filter { SeriesCondition.regexMatches(re, $0) } }
        return names.sorted(by: RawSelect.bytesLess)
    }

    static func uniqueNames(_ columns: inout [Column], aliased: [Bool]) {
        let names = ColumnNames.resolve(columns.map(\.name), aliased: aliased)
        for i in columns.indices {
            let name = names[i]
            switch columns[i] {
            case .call(var c): c.column = name; columns[i] = .call(c)
            case .aux(var a): a.name = name; columns[i] = .aux(a)
            case .math(let e, _): columns[i] = .math(e, name)
            case .transform(let f, let c, let a, _, let u): columns[i] = .transform(f, c, a, name, explicitUnit: u)
            }
        }
    }
}
