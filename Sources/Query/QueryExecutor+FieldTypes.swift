import TSDB

extension QueryExecutor {
    /// 1.x reads each field as one type across the statement's measurements and shards: the
    /// lowest in influxql's order (float, integer, string, boolean, unsigned). A shard holding
    /// the field with another type gives no points for it (`excluded`), unless both are
    /// numeric: 1.x's engine then casts the stored numbers into the query's type (`casts`).
    static func resolveFieldTypes(_ targets: inout [String: [any SeriesSource]]) {
        var seen: [String: FieldType] = [:]
        var conflicting = Set<String>()
        for (name, sources) in targets {
            for case let shard as ShardSource in sources {
                for (field, type) in shard.shard.fieldSet.fields(of: name) {
                    if let other = seen[field], other != type {
                        conflicting.insert(field)
                        if rank(type) < rank(other) { seen[field] = type }
                    } else if seen[field] == nil {
                        seen[field] = type
                    }
                }
            }
        }
        guard !conflicting.isEmpty else { return }
        for (name, sources) in targets {
            targets[name] = sources.map { source in
                guard var shard = source as? ShardSource else { return source }
                let types = shard.shard.fieldSet.fields(of: name)
                for field in conflicting {
                    guard let stored = types[field], let query = seen[field], stored != query else { continue }
                    if numeric(stored) && numeric(query) {
                        shard.casts[field] = query
                    } else {
                        shard.excluded.insert(field)
                    }
                }
                return shard
            }
        }
    }

    /// influxql's `DataType` order (Float 1, Integer 2, String 3, Boolean 4, Unsigned 9).
    static func rank(_ t: FieldType) -> Int {
        switch t {
        case .float: 1
        case .integer: 2
        case .string: 3
        case .boolean: 4
        case .unsigned: 9
        }
    }

    static func numeric(_ t: FieldType) -> Bool { t == .float || t == .integer || t == .unsigned }
}
