import TSDB

/// A raw SELECT's rows merged as 1.x's `SortedMergeIterator` merges them, so that rows of
/// different series at one time come out in 1.x's order: within each shard, the series (in key
/// order) through Go's `container/heap` (Init, then Pop and Push per row); the shards' outputs
/// through a second such heap. Its `Less` orders by time, then by the first auxiliary string
/// value (the selected names sorted) that differs; a non-string or missing value ends the
/// comparison as a tie, and the heap's mechanics decide.
struct GoSortedMerge {
    private var streams: [GroupRows.Stream]
    private let ascending: Bool
    /// Per stream: how to read each auxiliary value (sorted names) of its head row.
    private let aux: [[AuxSlot]]
    /// Per shard, the heap of its streams with a head row (stream indexes).
    private var shardHeaps: [[Int]] = []
    /// The shards' heap: (shard, its popped row and time).
    private var top: [(shard: Int, time: Int64, row: [Value])] = []
    private var started = false
    /// Per shard group: its streams are read one after another instead of merged.
    private var inOrder: [Bool] = []
    /// Per shard group: merged by time, ties in stream order (a subquery's series).
    private var byTimeThenOrder: [Bool] = []
    /// Per shard group: a subquery's rows in the order it emitted them
    /// (``SeriesColumns/sequence``), gathered from its streams; nil for other groups.
    private var sequenced: [[(seq: Int, time: Int64, row: [Value])]?] = []
    /// Rows taken from each shard at most (0: no cap; see ``GroupRows/shardCap``).
    var shardCap = 0
    private var taken: [Int] = []

    enum AuxSlot {
        case field(Int)
        case constant(Value)
    }

    /// `auxNames`: the names the statement selects (fields and tags), sorted as 1.x sorts its
    /// auxiliary references.
    init(streams: [GroupRows.Stream], ascending: Bool, auxNames: [String]) {
        self.streams = streams
        self.ascending = ascending
        aux = streams.map { s in
            auxNames.map { name in
                if let i = s.builder.fields.firstIndex(of: name) { return .field(i) }
                let tag = s.builder.series.tag(name)
                return .constant(tag.isEmpty ? .null : .string(tag))
            }
        }
    }

    mutating func next() throws(StatementError) -> [Value]? {
        if !started {
            started = true
            // Shards in id order, each with its streams in series order.
            var byShard: [UInt64?: [Int]] = [:]
            for i in streams.indices { byShard[streams[i].shard, default: []].append(i) }
            let shards = byShard.keys.sorted { ($0 ?? .max) < ($1 ?? .max) }
            var heaps: [[Int]] = []
            for key in shards {
                var heap: [Int] = []
                for i in byShard[key]! where try advance(i) { heap.append(i) }
                // A subquery's rows (no shard) come as the inner query emitted them: an
                // aggregate's window by window (series in order within one), else series by
                // series; 1.x's merge of its one input keeps that order.
                if key != nil { Self.initHeap(&heap) { a, b in less(a, b) } }
                heaps.append(heap)
            }
            inOrder = shards.map { key in key == nil && !(byShard[key]!.contains { streams[$0].subqueryByTime == true }) }
            byTimeThenOrder = shards.map { key in key == nil && byShard[key]!.contains { streams[$0].subqueryByTime == true } }
            for (s, key) in shards.enumerated() {
                guard key == nil, heaps[s].contains(where: { !streams[$0].data.sequence.isEmpty }) else {
                    sequenced.append(nil)
                    continue
                }
                var rows: [(seq: Int, time: Int64, row: [Value])] = []
                for i in heaps[s] {
                    repeat { rows.append((sequence(i), streams[i].head, streams[i].pending)) } while try advance(i)
                }
                rows.sort { $0.seq < $1.seq }
                sequenced.append(Array(rows.reversed()))
                heaps[s] = rows.isEmpty ? [] : [-1]
            }
            shardHeaps = heaps
            var first: [(shard: Int, time: Int64, row: [Value])] = []
            for s in shardHeaps.indices {
                if let (time, row) = try popShard(s) { first.append((s, time, row)) }
            }
            Self.initHeap(&first) { a, b in before(a.time, b.time) }
            top = first
        }
        guard !top.isEmpty else { return nil }
        var heap = top
        let item = Self.pop(&heap) { a, b in before(a.time, b.time) }
        if let (time, row) = try popShard(item.shard) { Self.push(&heap, (item.shard, time, row)) { a, b in before(a.time, b.time) } }
        top = heap
        return item.row
    }

    /// The next row of one shard: its heap's top stream's head, the stream advanced and pushed
    /// back when it has more.
    private mutating func popShard(_ s: Int) throws(StatementError) -> (Int64, [Value])? {
        guard !shardHeaps[s].isEmpty else { return nil }
        if shardCap > 0 {
            if taken.count < shardHeaps.count { taken = Array(repeating: 0, count: shardHeaps.count) }
            guard taken[s] < shardCap else { return nil }
            taken[s] += 1
        }
        var heap = shardHeaps[s]
        if sequenced[s] != nil {
            let next = sequenced[s]!.removeLast()
            if sequenced[s]!.isEmpty { shardHeaps[s] = [] }
            return (next.time, next.row)
        }
        if inOrder[s] {
            let i = heap[0]
            let result = (streams[i].head, streams[i].pending)
            if try !advance(i) { heap.removeFirst() }
            shardHeaps[s] = heap
            return result
        }
        if byTimeThenOrder[s] {
            // The first stream (in order) with the earliest head.
            var best = 0
            for k in heap.indices.dropFirst() where before(streams[heap[k]].head, streams[heap[best]].head) { best = k }
            let i = heap[best]
            let result = (streams[i].head, streams[i].pending)
            if try !advance(i) { heap.remove(at: best) }
            shardHeaps[s] = heap
            return result
        }
        let i = Self.pop(&heap) { a, b in less(a, b) }
        let result = (streams[i].head, streams[i].pending)
        if try advance(i) { Self.push(&heap, i) { a, b in less(a, b) } }
        shardHeaps[s] = heap
        return result
    }

    /// Moves stream `i` to its next kept row (`pending`, at `head`); false at its end.
    private mutating func advance(_ i: Int) throws(StatementError) -> Bool {
        while true {
            if streams[i].position >= streams[i].data.times.count {
                guard let data = try streams[i].cursor.next() else { return false }
                streams[i].data = data
                streams[i].position = 0
                continue
            }
            let r = streams[i].position
            let time = streams[i].data.times[r]
            streams[i].position = r + 1
            if let row = streams[i].builder.values(streams[i].data, r, time: time, keep: streams[i].keep) {
                streams[i].head = time
                streams[i].pending = row
                streams[i].headRow = r
                return true
            }
        }
    }

    private func before(_ x: Int64, _ y: Int64) -> Bool { ascending ? x < y : x > y }

    /// The emission place of stream `i`'s head row (streams without one come last).
    private func sequence(_ i: Int) -> Int {
        let seq = streams[i].data.sequence
        return streams[i].headRow < seq.count ? seq[streams[i].headRow] : .max
    }

    /// 1.x's `SortedMergeHeap.Less` for two streams' heads.
    private func less(_ a: Int, _ b: Int) -> Bool {
        let (x, y) = (streams[a].head, streams[b].head)
        if x != y { return before(x, y) }
        for k in aux[a].indices {
            guard case .string(let v1) = auxValue(a, k), case .string(let v2) = auxValue(b, k) else { return false }
            if v1 == v2 { continue }
            return ascending ? RawSelect.bytesLess(v1, v2) : RawSelect.bytesLess(v2, v1)
        }
        return false
    }

    private func auxValue(_ stream: Int, _ k: Int) -> Value {
        switch aux[stream][k] {
        case .constant(let v): return v
        case .field(let i): return streams[stream].data.value(i, streams[stream].headRow)
        }
    }

    // MARK: Go's container/heap

    static func initHeap<T>(_ h: inout [T], _ less: (T, T) -> Bool) {
        let n = h.count
        var i = n / 2 - 1
        while i >= 0 {
            down(&h, i, n, less)
            i -= 1
        }
    }

    static func pop<T>(_ h: inout [T], _ less: (T, T) -> Bool) -> T {
        let n = h.count - 1
        h.swapAt(0, n)
        down(&h, 0, n, less)
        return h.removeLast()
    }

    static func push<T>(_ h: inout [T], _ x: T, _ less: (T, T) -> Bool) {
        h.append(x)
        var j = h.count - 1
        while j > 0 {
            let i = (j - 1) / 2
            if !less(h[j], h[i]) { break }
            h.swapAt(i, j)
            j = i
        }
    }

    static func down<T>(_ h: inout [T], _ i0: Int, _ n: Int, _ less: (T, T) -> Bool) {
        var i = i0
        while true {
            let j1 = 2 * i + 1
            if j1 >= n { break }
            var j = j1
            if j1 + 1 < n && less(h[j1 + 1], h[j1]) { j = j1 + 1 }
            if !less(h[j], h[i]) { break }
            h.swapAt(i, j)
            i = j
        }
    }
}
