import Foundation
import InfluxQL
import TSDB

/// A group's windows: the points reduced window by window (``buckets``), and where each
/// stream's partials go in 1.x's merges.
extension AggregateSelect {
    /// A group's shard streams as 1.x's layers merge a mean's partials (``PartialLayers``).
    struct StreamLayout {
        /// Per shard (the target's order: shard groups by time), its streams in series order.
        var shards: [[Int]]
        /// Per shard, the fields its measurement has: a shard without the call's field makes no
        /// iterators in 1.x.
        var fields: [Set<String>]
        /// Per call, per window: the answers worked out over every group of the target at once
        /// (``PartialLayers``: the shard group's heap order depends on the groups before).
        var answers: [Int: [Int64: (value: Double, count: Int64)]]?
        /// When set, takes each layered call's per-shard series streams (the first of those two
        /// passes).
        var collector: LayerCollector?
    }

    /// A group's per-shard series streams of each mean or float sum, as ``buckets`` read them.
    final class LayerCollector {
        var shards: [Int: [[[PartialLayers.SeriesPartial]]]] = [:]
    }

    static func streamLayout(_ streams: [GroupRows.Stream], target: RawSelect.Target,
                             answers: [Int: [Int64: (value: Double, count: Int64)]]? = nil, collector: LayerCollector? = nil) -> StreamLayout {
        let shards = target.shards.compactMap { $0 as? ShardSource }
        var byShard = [[Int]](repeating: [], count: shards.count)
        for (k, s) in streams.enumerated() {
            guard let id = s.shard, let i = shards.firstIndex(where: { $0.shard.id == id }) else { continue }
            byShard[i].append(k)
        }
        return StreamLayout(shards: byShard, fields: shards.map { Set($0.fieldTypes(of: target.name).keys) }, answers: answers,
                            collector: collector)
    }

    /// Rows for one group: `[time, call values…, aux values…]` per bucket (several for distinct).
    /// Points come from `feed` a window at a time; integral and tz() windows take them all first.
    /// `integralAtZero`: the calls are integrals of float fields, whose un-grouped point 1.x
    /// stamps with time 0 (an integer field's gets the range's start, as other calls do).
    /// `layout`: the streams per shard, through which a mean's partials are merged (``streamLayout``).
    func buckets(feed: inout PointFeed, calls: [Call], auxCount: Int, singleSelector: Bool, extraIntervals: Int64 = 0,
                 integralAtZero: Bool = false, absent: Set<Int> = [], absentTypes: [Int: FieldType] = [:], absentTagged: Set<Int> = [],
                 clipped: Set<Int> = [],
                 stops: IteratorStops? = nil, viaRegex: Bool = false, layout: StreamLayout? = nil,
                 trace: inout BucketTrace?) throws(StatementError) -> (rows: [[Value]], absent: Set<Int>) {
        let zonedWindows = zone != nil && interval > 0
        let width = 1 + calls.count + auxCount
        let drains = zonedWindows || calls.contains(where: { $0.function == "integral" })
        let points = drains ? try feed.drainCharging(memory, width: width) : []
        // fill(none) keeps only windows with points: they are found from the points, so a
        // fine interval over a long range costs nothing for the empty ones (as in 1.x).
        // So do distinct, top, bottom, sample and the other selectors of several rows: 1.x
        // emits nothing for their empty windows, whatever the fill.
        let multiRowOnly = calls.count == 1 && (calls[0].function == "distinct" || Self.multiRow.contains(calls[0].function))
        let sparse = (statement.fill == .none || multiRowOnly) && !zonedWindows && interval > 0
        let windows = sparse ? [] : !zonedWindows ? try windows(firstTime: feed.firstTime, extraIntervals: extraIntervals, width: width)
            : Self.distinct(points.map { window($0.time) }).map { ($0.start, $0.end &- 1) }
        var integrals: [Int: [Int64: Value]] = [:]
        // A lone integer integral un-grouped under DESC: its area's time and whether its
        // oldest point lies on the range's start (``integerDescendingRows``).
        var integerDescending: (stamp: Int64, onStart: Bool, calls: Set<Int>)?
        // Integrals whose areas are keyed by their window's end (grouped under DESC).
        var stampedAtEnd = Set<Int>()
        for (i, call) in calls.enumerated() where call.function == "integral" {
            // The argument went through a Double: 2^63−1 rounds past Int64 and is clamped back.
            let unit = call.argument > 0 ? (call.argument >= 9.223372036854775807e18 ? Int64.max : Int64(call.argument)) : 1_000_000_000
            var integer = false
            // A plain integral beside a transformation reads only the query's range (1.x moves
            // the start back for the transformation's input alone).
            let clip = clipped.contains(i)
            let values = points.compactMap { p -> (Int64, Double)? in
                if case .integer = p.values[i] { integer = true }
                if clip && (p.time < range.min || p.time > range.max) { return nil }
                return p.values[i] == .null ? nil : (p.time, RawSelect.number(p.values[i]) ?? 0)
            }
            // An integer field's reducer keeps the range's start as its un-grouped window.
            let start: Int64 = integer && range.min != .min ? range.min : 0
            // Un-grouped under ORDER BY time DESC, 1.x's float reducer reads the points newest
            // first: every elapsed time is negative, and so is the area.
            let descending = !(statement.sortFields.first?.ascending ?? true) && interval == 0 && !integer
            if interval == 0, integer, !(statement.sortFields.first?.ascending ?? true) {
                // 1.x's integer reducer takes the un-grouped window even so: under DESC it is
                // (end+1, start), points come newest first and the area is negative.
                let stamp = range.max == .max ? Int64.max : range.max &+ 1
                let onStart = range.min != .min && values.first?.0 == range.min
                integerDescending = (stamp, onStart || integerDescending?.onStart == true, integerDescending.map { $0.calls.union([i]) } ?? [i])
                integrals[i] = Self.integral(values.reversed(), integer: true, unit: unit, interval: 0, unGroupedStart: stamp, window: { _ in 0 })
                continue
            }
            if interval > 0, zone == nil, !(statement.sortFields.first?.ascending ?? true) {
                // Grouped under DESC the reducers run newest first (``integralDescending``) and
                // stamp each area with its window's end: beside other calls (or for an integer
                // field) the area joins the next window's row, or a row of its own past the
                // last window (a lone float integral is ordered by ``integralOrder``).
                let areas = Self.integralDescending(values, integer: integer, unit: unit, interval: interval) { Self.truncate($0, interval, offset) }
                if calls.count == 1 && !integer {
                    integrals[i] = areas
                } else {
                    integrals[i] = Dictionary(areas.map { ($0.key &+ interval, $0.value) }, uniquingKeysWith: { a, _ in a })
                    stampedAtEnd.insert(i)
                }
                continue
            }
            integrals[i] = Self.integral(descending ? values.reversed() : values, integer: integer, unit: unit, interval: interval, unGroupedStart: start,
                                         window: { t in interval > 0 ? self.window(t).start : 0 })
        }
        var rows: [[Value]] = []
        var filled: [ReducedWindow] = []
        // A mean or a float sum over shard streams: each window's per-stream partials, added up
        // as 1.x's layers add them once every window is read (``PartialLayers``), then put in
        // its cells.
        var layeredStreams: [Int: [Int: [PartialLayers.SeriesPartial]]] = [:]
        var layeredCells: [Int: [(row: Int, window: Int64)]] = [:]
        let ascending = statement.sortFields.first?.ascending ?? true
        var n = 0
        while true {
            let w: (start: Int64, end: Int64)
            if sparse {
                guard let t = try feed.nextTime() else { break }
                let start = Self.truncate(t, interval, offset)
                w = (start, start &+ interval &- 1)
                try memory.charge(Self.windowBytes(width: width))
            } else {
                guard n < windows.count else { break }
                w = windows[n]
            }
            n += 1
            if n & 255 == 255, let why = interrupted() { throw StatementError(why) }
            // A window's points are held while it is reduced (all of them without GROUP BY time).
            let slice = try feed.window(start: w.start, end: w.end, charging: memory, width: width)
            let sliceBytes = drains ? 0 : slice.count * PointFeed.pointBytes(width: width)
            defer { memory.release(sliceBytes) }
            let outTime: Int64 = interval > 0 ? w.start : (range.min == .min || integralAtZero ? 0 : range.min)
            if calls.count == 1 && calls[0].function == "distinct" {
                let distinct = Self.sortedDistinct(slice.map { ($0.time, $0.values[0]) }.filter { $0.1 != .null },
                                                   descending: !(statement.sortFields.first?.ascending ?? true))
                for v in distinct { rows.append([.time(outTime), v] + Array(repeating: .null, count: auxCount)) }
                continue
            }
            if calls.count == 1 && Self.multiRow.contains(calls[0].function) {
                let candidates = slice.filter { $0.values[0] != .null }
                for p in Self.select(calls[0], candidates, tagCount: calls[0].tags.count) {
                    rows.append([.time(p.time), p.values[0]] + p.values.suffix(auxCount))
                }
                continue
            }
            var row: [Value] = [.time(outTime)]
            var selected: (time: Int64, values: [Value])?
            var empty = true
            var missing: [Int] = []
            let streams = feed.windowStreams
            for (i, call) in calls.enumerated() {
                let clip = clipped.contains(i)
                let vals = slice.indices.compactMap { k -> (Int64, Value, [Value], Int)? in
                    let p = slice[k]
                    return p.values[i] == .null || (clip && (p.time < range.min || p.time > range.max)) ? nil : (p.time, p.values[i], p.values, streams[k])
                }
                if call.function == "integral" {
                    if stampedAtEnd.contains(i) {
                        let area = integrals[i]?[w.start]
                        if area == nil { missing.append(i) } else { empty = false }
                        row.append(area ?? .null)
                        continue
                    }
                    if vals.isEmpty { missing.append(i) } else { empty = false }
                    row.append(vals.isEmpty ? .null : integrals[i]?[interval > 0 ? w.start : 0] ?? .null)
                    continue
                }
                if let stops, stops.calls.contains(i) {
                    missing.append(i)
                    row.append(.null)
                    continue
                }
                let layered = (call.function == "mean" || (call.function == "sum" && !vals.contains { if case .integer = $0.1 { true } else { false } }))
                    && layout != nil && !vals.isEmpty && !vals.contains(where: { $0.3 < 0 })
                if layered {
                    Self.streamPartials(vals.map { ($0.1, $0.3) }, window: w.start, ascending: ascending, into: &layeredStreams[i, default: [:]])
                    layeredCells[i, default: []].append((filled.count, w.start))
                }
                let (value, at) = layered ? (Value.null, nil) : Self.reduce(call, ["stddev", "mode", "percentile"].contains(call.function) && !(statement.sortFields.first?.ascending ?? true)
                        // Under DESC 1.x reads the points newest first: stddev sums in that order, and
                        // mode and percentile sort them with Go's unstable sort from it.
                        ? vals.reversed().map { ($0.0, $0.1) } : vals.map { ($0.0, $0.1) })
                // A call whose reducer emitted no point here (no points, or a percentile past
                // them) is missing from the window; stddev of one point emits a null point.
                if vals.isEmpty || (call.function == "percentile" && value == .null) { missing.append(i) } else { empty = false }
                if !vals.isEmpty, trace != nil {
                    trace?.present[i].append(outTime)
                    if call.function == "percentile" { trace?.percentile[i, default: []].append((outTime, value == .null)) }
                }
                // 1.x's consumer of the reduce iterator ends when its first window with points
                // emits nothing: the percentile then has no point anywhere (``IteratorStops``).
                if call.function == "percentile", calls.count == 1, !vals.isEmpty, let stops, stops.started.insert(i).inserted, value == .null {
                    stops.calls.insert(i)
                }
                row.append(value)
                // A NaN (a subquery's one-point stddev) is kept by max/min when it comes first.
                if singleSelector, let at {
                    selected = vals.first { $0.0 == at.time && ($0.1 == at.value || ($0.1.isNaN && at.value.isNaN)) }.map { ($0.0, $0.2) }
                }
            }
            if singleSelector, let selected {
                if interval == 0 { row[0] = .time(selected.time) }
                row += selected.values.suffix(auxCount)
            } else {
                row += Array(repeating: .null, count: auxCount)
            }
            filled.append((row, empty, empty ? [] : missing))
        }
        if calls.count == 1 && (calls[0].function == "distinct" || Self.multiRow.contains(calls[0].function)) { return (rows, []) }
        for (i, cells) in layeredCells {
            let streams = layeredStreams[i] ?? [:]
            guard let layout else { continue }
            let shards = layout.shards.enumerated().compactMap { s, members in
                layout.fields[s].contains(calls[i].field) ? members.map { streams[$0] ?? [] } : nil
            }
            layout.collector?.shards[i] = shards
            let layered = layout.answers.map { $0[i] ?? [:] }
                ?? PartialLayers.reduce(shards, kind: calls[i].function == "mean" ? .mean : .sum, ascending: ascending, sourceLayers: viaRegex ? 2 : 1)
            for cell in cells { filled[cell.row].row[1 + i] = layered[cell.window].map { .float($0.value) } ?? .null }
        }
        // 1.x's fill only sees the points its reducers emitted: a group for which they emitted
        // none (a percentile past every window's points) gives no rows at all, filled or not.
        if !calls.isEmpty, !calls.contains(where: { $0.function == "count" || $0.function == "integral" }),
           filled.allSatisfy({ $0.empty }) {
            return ([], [])
        }
        if let integerDescending { filled = Self.integerDescendingRows(filled, integerDescending, callCount: calls.count) }
        let reduced = try zoned(filled, extraIntervals: extraIntervals)
        var result = try fill(reduced, calls: calls, absent: absent, absentTypes: absentTypes, tagged: absentTagged)
        if !stampedAtEnd.isEmpty {
            // Areas stamped past every window read (the newest window's, or a window fill(none)
            // left out) are rows of their own; the other calls have no point there.
            var starts = Set<Int64>()
            for entry in filled { if case .time(let t) = entry.row[0] { starts.insert(t) } }
            var extra: [Int64: [Value]] = [:]
            for i in stampedAtEnd {
                for (t, area) in integrals[i] ?? [:] where !starts.contains(t) {
                    extra[t, default: [.time(t)] + Array(repeating: .null, count: calls.count + auxCount)][1 + i] = area
                }
            }
            if !extra.isEmpty {
                result += extra.values
                result.sort { if case .time(let a) = $0[0], case .time(let b) = $1[0] { return a < b }; return false }
            }
        }
        return (result, absent.union(Self.pointless(reduced, calls: calls)))
    }
}
