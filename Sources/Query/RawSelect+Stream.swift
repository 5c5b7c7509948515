import InfluxQL
import TSDB

extension RawSelect {
    /// Every field (first type seen) and tag key over all sources: wildcards expand over the union.
    static func schema(_ targets: [Target]) -> (fieldTypes: [String: FieldType], tagKeys: Set<String>) {
        if targets.count == 1, targets[0].shards.count == 1 {
            // One measurement in one shard (the usual short query): its own tables, uncopied.
            let (name, shard) = (targets[0].name, targets[0].shards[0])
            let tagKeys = shard.tagKeys(of: name)
            return (shard.fieldTypes(of: name), targets[0].databaseTagKeys.isEmpty ? tagKeys : tagKeys.union(targets[0].databaseTagKeys))
        }
        var fieldTypes: [String: FieldType] = [:]
        var tagKeys = Set<String>()
        for target in targets {
            tagKeys.formUnion(target.databaseTagKeys)
            for shard in target.shards {
                for (k, v) in shard.fieldTypes(of: target.name) where fieldTypes[k] == nil { fieldTypes[k] = v }
                tagKeys.formUnion(shard.tagKeys(of: target.name))
            }
        }
        return (fieldTypes, tagKeys)
    }

    /// A measurement's output series: its series matching the tag part of the condition (each
    /// with the shards holding it), grouped by the GROUP BY tag values, groups by key and
    /// members by series key.
    static func groups(of target: Target, matching condition: SeriesCondition, by dimensions: [String])
        -> [(key: [String], members: [(ParsedSeriesKey, [any SeriesSource])])] {
        var members: [(ParsedSeriesKey, [any SeriesSource])]
        if target.shards.count == 1 {
            // One shard (a short time range): its series are distinct already.
            let shard = target.shards[0]
            members = shard.series(of: target.name, matching: condition).map { ($0, [shard]) }
        } else {
            var seriesShards: [[UInt8]: (ParsedSeriesKey, [any SeriesSource])] = [:]
            for shard in target.shards {
                for s in shard.series(of: target.name, matching: condition) {
                    seriesShards[s.key, default: (s, [])].1.append(shard)
                }
            }
            members = Array(seriesShards.values)
        }
        if dimensions.isEmpty {
            // No GROUP BY tags: one group, with no tag values to hash.
            return members.isEmpty ? [] : [([], members.sorted { $0.0.key.lexicographicallyPrecedes($1.0.key) })]
        }
        var byKey: [[String]: [(ParsedSeriesKey, [any SeriesSource])]] = [:]
        for entry in members { byKey[dimensions.map { entry.0.tag($0) }, default: []].append(entry) }
        return byKey.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }).map { key in
            (key, byKey[key]!.sorted { $0.0.key.lexicographicallyPrecedes($1.0.key) })
        }
    }

    /// Takes a piece of an output series; `continues` when more rows of that series follow.
    typealias RowSink = (_ piece: Row, _ continues: Bool) async throws(StatementError) -> Void

    /// Produces the output series in order, each in pieces of at most `pieceSize` rows, as
    /// they are read: a group's series are merged by time through cursors holding a span per
    /// series, LIMIT stops the reading, and only transformations (which need a series' points
    /// whole) gather a group first.
    /// One stream per (series, source) of a group, in series order. `subqueryRows`: a
    /// subquery's rows come out whole, nulls included, when the outer query selects one of its
    /// columns or tags (1.x maps each inner row), in the inner query's order.
    func streams(_ members: [(ParsedSeriesKey, [any SeriesSource])], columns: [Column], conditionFields: Set<String>, ascending: Bool,
                 subqueryRows: Bool) throws(StatementError) -> [GroupRows.Stream] {
        var streams: [GroupRows.Stream] = []
        let tags = columns.compactMap { if case .tag(let t) = $0.source { return t }; return nil }
        for (order, (series, shards)) in members.enumerated() {
            let sub = shards.lazy.compactMap { $0 as? SubquerySource }.first
            var builder = RowBuilder(series: series, columns: columns, condition: statement.condition, conditionFields: conditionFields,
                                     hiddenTags: sub?.hiddenTags(of: series) ?? [], shadowedTags: sub?.shadowedTags(of: series) ?? [])
            builder.keepsNaN = inSubquery
            for shard in shards {
                let cursor = try shard.columnCursor(series, fields: builder.fields, min: range.min, max: range.max, ascending: ascending)
                var stream = GroupRows.Stream(order: order, cursor: cursor, builder: builder, shard: (shard as? ShardSource)?.shard.id)
                if subqueryRows, let sub = shard as? SubquerySource {
                    if sub.emitsRows(series, fields: builder.fields, tags: tags) { stream.keep = { _ in true } }
                    stream.subqueryByTime = sub.byTime
                }
                streams.append(stream)
            }
        }
        return streams
    }

    func stream(pieceSize: Int, _ sink: RowSink) async throws(StatementError) {
        let (fieldTypes, tagKeys) = Self.schema(targets)
        let dimensions = groupTags(tagKeys)
        // 1.x's RewriteFields adds tags to a wildcard only without a dimension wildcard, and a
        // GROUP BY /regex/ is one: then `*` and `/re/` select fields only.
        let regexDimension = statement.dimensions.contains { if case .regex = $0 { true } else { false } }
        var hidden = Set<String>()
        for target in targets { for case let sub as SubquerySource in target.shards { hidden.formUnion(sub.wildcardHidden) } }
        var columns = expand(fieldTypes: fieldTypes, tagKeys: tagKeys,
                             excluding: regexDimension ? tagKeys : Set(dimensions).subtracting(statement.pushedDimensions), hidden: hidden)
        guard !columns.isEmpty else { return }
        var untyped = 0
        for (k, c) in columns.enumerated() {
            if case .expr(let e) = c.source {
                do throws(StatementError) {
                    try FieldMath.typeCheck(e) { name in fieldTypes[name].map(Self.dataType) ?? (tagKeys.contains(name) ? .tag : .unknown) }
                } catch {
                    guard inSubquery else { throw error }
                    columns[k].source = .none
                    untyped += 1
                }
            }
        }
        if untyped == columns.count { return }
        let seriesCondition = SeriesCondition(expr: statement.condition, fields: Set(fieldTypes.keys))
        for c in columns {
            // 1.x builds these transformations for numbers only, and refuses text or booleans
            // only where it builds one (a shard with a matching series); its error names the iterator.
            guard case .transform(let name, let f, _) = c.source, let t = fieldTypes[f], t == .string || t == .boolean,
                  let iterator = Self.numericTransformIterators[name],
                  let b = Self.builtType(of: f, targets: targets, condition: seriesCondition, dimensions: dimensions,
                                         sLimit: statement.sLimit, sOffset: statement.sOffset),
                  b == .string || b == .boolean else { continue }
            throw StatementError("unsupported \(iterator) iterator type: \(Self.interruptIterator(b))")
        }
        let conditionFields = Set(Self.fieldRefs(statement.condition).filter { fieldTypes[$0] != nil })
        let ascending = statement.sortFields.first?.ascending ?? true
        let timeName = statement.fields.first { if case .varRef("time", _) = $0.expr { return true }; return false }
            .map { $0.alias.isEmpty ? "time" : $0.alias } ?? "time"
        let transforms = columns.contains { if case .transform = $0.source { return true }; return false }
        // 1.x's auxiliary references: every name the fields select, sorted.
        var referenced = Set<String>()
        for c in columns {
            switch c.source {
            case .field(let f, _): referenced.insert(f)
            case .tag(let t): referenced.insert(t)
            case .expr(let e): referenced.formUnion(Self.fieldRefs(e))
            default: break
            }
        }
        let auxNames = referenced.sorted(by: Self.bytesLess)

        // The output series in order: measurements by name, groups by tag values (all
        // reversed for DESC).
        var groups: [(name: String, key: [String], members: [(ParsedSeriesKey, [any SeriesSource])])] = []
        for target in targets.sorted(by: { Self.bytesLess($0.name, $1.name) }) {
            let limited = Self.limitPerShard(Self.groups(of: target, matching: seriesCondition, by: dimensions), dimensions: dimensions,
                                             sLimit: statement.sLimit, sOffset: statement.sOffset, tagSets: statement.limitDimensions)
            for group in limited { groups.append((target.name, group.key, group.members)) }
        }
        if !ascending { groups.reverse() }

        for group in groups {
            if let why = interrupted() { throw StatementError(why) }
            var rows: GroupRows
            if transforms {
                // The transformation sees the series merged as 1.x merges them (its input is a
                // sorted merge too: rows of one time come in its heap order).
                let streams = try streams(group.members, columns: columns, conditionFields: conditionFields, ascending: ascending,
                                          subqueryRows: false)
                var merged = GroupRows(streams: streams, ascending: ascending, auxNames: [])
                var gathered: [(time: Int64, order: Int, values: [Value])] = []
                let rowBytes = 16 + QueryMemory.rowBytes(width: 1 + columns.count)
                while let row = try merged.next() {
                    guard case .time(let t) = row[0] else { continue }
                    gathered.append((t, 0, Array(row.dropFirst())))
                    if gathered.count & 4095 == 0 { try memory.charge(4096, of: rowBytes) }
                }
                try memory.charge(gathered.count & 4095, of: rowBytes)
                rows = GroupRows(gathered: Self.transformed(gathered, columns: columns, ascending: ascending))
            } else {
                let streams = try streams(group.members, columns: columns, conditionFields: conditionFields, ascending: ascending,
                                          subqueryRows: true)
                rows = GroupRows(streams: streams, ascending: ascending, auxNames: auxNames)
                if statement.offset > 0 {
                    let (cap, overflow) = statement.offset.addingReportingOverflow(max(statement.limit, 0) &+ 1)
                    rows.shardCap = overflow ? 0 : cap
                }
            }
            // OFFSET and LIMIT per series (SLIMIT and SOFFSET chose the groups per shard).
            var tags: [String: String] = [:]
            for (k, v) in zip(dimensions, group.key) { tags[k] = v }
            var piece = Row(name: group.name, tags: tags, columns: [timeName] + columns.map(\.name))
            var offset = statement.offset
            var produced = 0
            let rowBytes = QueryMemory.rowBytes(width: 1 + columns.count)
            while statement.limit <= 0 || produced < statement.limit, let values = try rows.next() {
                if offset > 0 {
                    offset -= 1
                    continue
                }
                produced += 1
                if piece.values.count == pieceSize {
                    try await sink(piece, true)
                    memory.release(piece.values.count * rowBytes)
                    piece.values.removeAll(keepingCapacity: true)
                }
                try memory.charge(rowBytes)
                piece.values.append(values)
                if produced % 4096 == 0, let why = interrupted() { throw StatementError(why) }
            }
            if !piece.values.isEmpty {
                try await sink(piece, false)
                // Whole series (no chunking) stay gathered until the answer is written.
                if pieceSize != .max { memory.release(piece.values.count * rowBytes) }
            }
        }
    }
}

/// One output series' rows (time first), in output order: a k-way merge of per-series column
/// cursors (a heap on each stream's next time, ties in series order, reversed for DESC as 1.x's
/// merge orders them), building a row only when it is taken; or rows already gathered
/// (transformations).
struct GroupRows {
    struct Stream {
        var order: Int
        var cursor: ColumnCursor
        let builder: RowBuilder
        /// Decides which rows are kept (given the row, time first) instead of "some selected
        /// field has a value".
        var keep: (([Value]) -> Bool)?
        /// The cursor's current span and the next row in it.
        var data = SeriesColumns()
        var position = 0
        /// The time of that row.
        var head: Int64 = 0

        /// The shard the cursor reads (nil: not a shard), for ``shardCap``.
        var shard: UInt64?
        /// A subquery's stream: whether its rows merge by time with the other series' (nil:
        /// a shard's stream).
        var subqueryByTime: Bool?
        /// ``GoSortedMerge``: the kept row at `head` and its index in `data`.
        var pending: [Value] = []
        var headRow = 0

        init(order: Int, cursor: ColumnCursor, builder: RowBuilder, keep: (([Value]) -> Bool)? = nil, shard: UInt64? = nil) {
            self.order = order
            self.cursor = cursor
            self.builder = builder
            self.keep = keep
            self.shard = shard
        }
    }

    /// Rows kept from each shard, 0 for no cap. 1.x's engine limits each shard's merged
    /// series to `offset + limit + 1` rows (`(n - offset) > limit` is checked before each read)
    /// and applies OFFSET and LIMIT again over the merged shards: with OFFSET and no LIMIT a
    /// shard gives `offset + 1` rows.
    var shardCap = 0
    private var taken: [UInt64: Int] = [:]

    private var streams: [Stream] = []
    private let ascending: Bool
    /// Stream indexes with rows left, a binary heap on (head, order).
    private var heap: [Int] = []
    private var started = false
    private var gathered: [[Value]] = []
    private var position = 0

    /// 1.x's merge order for raw rows (`auxNames`: the selected names, sorted).
    private var goMerge: GoSortedMerge?
    /// The stream the row `next()` returned last came from; -1 when not known (gathered rows,
    /// 1.x's raw merge order).
    private(set) var lastStream = -1

    init(streams: [Stream], ascending: Bool, auxNames: [String]? = nil) {
        self.streams = streams
        self.ascending = ascending
        if let auxNames { goMerge = GoSortedMerge(streams: streams, ascending: ascending, auxNames: auxNames) }
    }

    init(gathered: [[Value]]) {
        self.ascending = true
        self.gathered = gathered
        self.started = true
    }

    /// The next row, or nil at the end.
    mutating func next() throws(StatementError) -> [Value]? {
        if goMerge != nil {
            goMerge!.shardCap = shardCap
            lastStream = -1
            return try goMerge!.next()
        }
        if !started {
            started = true
            for i in streams.indices where try load(i) { push(i) }
        }
        if streams.isEmpty {
            guard position < gathered.count else { return nil }
            defer { position += 1 }
            return gathered[position]
        }
        while let top = heap.first {
            let r = streams[top].position
            let time = streams[top].head
            let row = streams[top].builder.values(streams[top].data, r, time: time, keep: streams[top].keep)
            streams[top].position = r + 1
            if r + 1 < streams[top].data.times.count {
                streams[top].head = streams[top].data.times[r + 1]
                siftDown(0)
            } else if try load(top) {
                siftDown(0)
            } else {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
                if !heap.isEmpty { siftDown(0) }
            }
            guard let row else { continue }
            if shardCap > 0, let shard = streams[top].shard {
                let n = taken[shard, default: 0] + 1
                taken[shard] = n
                if n > shardCap { continue }
            }
            lastStream = top
            return row
        }
        return nil
    }

    /// Moves stream `i` to its cursor's next non-empty span; false at its end.
    private mutating func load(_ i: Int) throws(StatementError) -> Bool {
        while let data = try streams[i].cursor.next() {
            guard let first = data.times.first else { continue }
            streams[i].data = data
            streams[i].position = 0
            streams[i].head = first
            return true
        }
        streams[i].data = SeriesColumns()
        return false
    }

    /// Whether stream `i` reads a shard (one series of one shard), not a subquery.
    func readsShard(_ i: Int) -> Bool { streams.indices.contains(i) && streams[i].shard != nil }

    private func before(_ a: Int, _ b: Int) -> Bool {
        let x = (streams[a].head, streams[a].order, a), y = (streams[b].head, streams[b].order, b)
        return ascending ? x < y : x > y
    }

    private mutating func push(_ i: Int) {
        heap.append(i)
        var c = heap.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard before(heap[c], heap[p]) else { break }
            heap.swapAt(c, p)
            c = p
        }
    }

    private mutating func siftDown(_ start: Int) {
        var p = start
        while true {
            let l = 2 * p + 1, r = l + 1
            var m = p
            if l < heap.count && before(heap[l], heap[m]) { m = l }
            if r < heap.count && before(heap[r], heap[m]) { m = r }
            if m == p { return }
            heap.swapAt(p, m)
            p = m
        }
    }
}

/// A group's points (time, values by read column) in time order, taken a window at a time:
/// memory holds one window's points and a span per series, not the group.
struct PointFeed {
    private var rows: GroupRows
    private var pending: (time: Int64, values: [Value], stream: Int)?
    private var drained: [(time: Int64, values: [Value])]?
    private var drainedStreams: [Int] = []
    private var position = 0
    /// The first point's time.
    let firstTime: Int64
    /// Per point of the last ``window(start:end:charging:width:)``: the shard stream (one
    /// series of one shard) it came from, -1 when not from a shard. 1.x reduces each such
    /// stream on its own before merging them (a mean's partials).
    private(set) var windowStreams: [Int] = []

    /// nil when the group has no point.
    init?(_ rows: GroupRows) throws(StatementError) {
        var rows = rows
        guard let first = try rows.next(), case .time(let t) = first.first else { return nil }
        self.pending = (t, Array(first.dropFirst()), rows.readsShard(rows.lastStream) ? rows.lastStream : -1)
        self.rows = rows
        self.firstTime = t
    }

    private mutating func next() throws(StatementError) -> (time: Int64, values: [Value], stream: Int)? {
        if let drained {
            guard position < drained.count else { return nil }
            defer { position += 1 }
            return (drained[position].time, drained[position].values, drainedStreams[position])
        }
        if let p = pending {
            pending = nil
            return p
        }
        guard let row = try rows.next(), case .time(let t) = row.first else { return nil }
        return (t, Array(row.dropFirst()), rows.readsShard(rows.lastStream) ? rows.lastStream : -1)
    }

    /// The points up to `end` not yet taken, without those before `start`, each charged to
    /// `memory` (the caller releases them once the window is reduced; drained points are
    /// charged already). Their streams are in ``windowStreams``.
    mutating func window(start: Int64, end: Int64, charging memory: QueryMemory, width: Int) throws(StatementError) -> [(time: Int64, values: [Value])] {
        var out: [(time: Int64, values: [Value])] = []
        windowStreams.removeAll(keepingCapacity: true)
        let bytes = drained == nil ? Self.pointBytes(width: width) : 0
        while let p = try next() {
            guard p.time <= end else {
                if drained != nil { position -= 1 } else { pending = p }
                break
            }
            if p.time >= start {
                try memory.charge(bytes)
                out.append((p.time, p.values))
                windowStreams.append(p.stream)
            }
        }
        return out
    }

    /// A held point's estimated bytes: its time and its row of `width` values.
    static func pointBytes(width: Int) -> Int { 16 + QueryMemory.rowBytes(width: width) }

    /// The next point's time, leaving the point to be taken.
    mutating func nextTime() throws(StatementError) -> Int64? {
        guard let p = try next() else { return nil }
        if drained != nil { position -= 1 } else { pending = p }
        return p.time
    }

    /// Every point not yet taken, each charged to `memory` as a row of `width` values
    /// (integral and tz() windows need them all); windows read from them afterwards.
    mutating func drainCharging(_ memory: QueryMemory, width: Int) throws(StatementError) -> [(time: Int64, values: [Value])] {
        var all: [(time: Int64, values: [Value])] = []
        var streams: [Int] = []
        let bytes = Self.pointBytes(width: width)
        while let p = try next() {
            try memory.charge(bytes)
            all.append((p.time, p.values))
            streams.append(p.stream)
        }
        drained = all
        drainedStreams = streams
        position = 0
        return all
    }
}
