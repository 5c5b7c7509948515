import TSDB
import TSM

/// Points of one type: times and the values of that type (the other arrays stay empty).
/// A Read moves them in batches of at most ``PointBatch/maxPoints``, as 1.6's cursors do.
struct PointBatch: Sendable {
    /// 1.6's `tsdb.DefaultMaxPointsPerBlock`: what one cursor call returns at most.
    static let maxPoints = 1000

    var type: FieldType
    var times: [Int64] = []
    var floats: [Double] = []
    var integers: [Int64] = []
    var unsigneds: [UInt64] = []
    var booleans: [Bool] = []
    var strings: [[UInt8]] = []

    init(type: FieldType) { self.type = type }

    var count: Int { times.count }
    var isEmpty: Bool { times.isEmpty }

    /// Appends the points of `values` for which `keep` holds (all without it); false when
    /// `values` is of another type.
    mutating func append(_ values: WALValues, keep: ((EvalValue) -> Bool)?) -> Bool {
        switch (type, values) {
        case (.float, .float(let t, let v)): add(t, v, \.floats, keep) { .float($0) }
        case (.integer, .integer(let t, let v)): add(t, v, \.integers, keep) { .integer($0) }
        case (.unsigned, .unsigned(let t, let v)): add(t, v, \.unsigneds, keep) { .unsigned($0) }
        case (.boolean, .boolean(let t, let v)): add(t, v, \.booleans, keep) { .bool($0) }
        case (.string, .string(let t, let v)): add(t, v, \.strings, keep) { .string(String(decoding: $0, as: UTF8.self)) }
        default: return false
        }
        return true
    }

    private mutating func add<V>(_ t: [Int64], _ v: [V], _ path: WritableKeyPath<PointBatch, [V]>,
                                 _ keep: ((EvalValue) -> Bool)?, _ eval: (V) -> EvalValue) {
        guard let keep else {
            times.append(contentsOf: t)
            self[keyPath: path].append(contentsOf: v)
            return
        }
        for i in t.indices where keep(eval(v[i])) {
            times.append(t[i])
            self[keyPath: path].append(v[i])
        }
    }

    /// Appends another batch of the same type.
    mutating func append(contentsOf other: PointBatch) {
        times += other.times
        switch type {
        case .float: floats += other.floats
        case .integer: integers += other.integers
        case .unsigned: unsigneds += other.unsigneds
        case .boolean: booleans += other.booleans
        case .string: strings += other.strings
        }
    }

    /// Moves the first `n` points out into a batch of their own.
    mutating func removeFirst(_ n: Int) -> PointBatch {
        var head = PointBatch(type: type)
        head.times = Array(times[..<n])
        times.removeFirst(n)
        switch type {
        case .float: head.floats = Array(floats[..<n]); floats.removeFirst(n)
        case .integer: head.integers = Array(integers[..<n]); integers.removeFirst(n)
        case .unsigned: head.unsigneds = Array(unsigneds[..<n]); unsigneds.removeFirst(n)
        case .boolean: head.booleans = Array(booleans[..<n]); booleans.removeFirst(n)
        case .string: head.strings = Array(strings[..<n]); strings.removeFirst(n)
        }
        return head
    }

    /// Keeps the first `n` points.
    mutating func truncate(to n: Int) {
        guard n < count else { return }
        times.removeSubrange(n...)
        switch type {
        case .float: floats.removeSubrange(n...)
        case .integer: integers.removeSubrange(n...)
        case .unsigned: unsigneds.removeSubrange(n...)
        case .boolean: booleans.removeSubrange(n...)
        case .string: strings.removeSubrange(n...)
        }
    }
}
