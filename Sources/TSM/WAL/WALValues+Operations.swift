extension WALValues {
    /// Number of points.
    public var count: Int { timestamps.count }

    /// 1.x's `Values.Size()`, the cache's memory accounting: 8 bytes of time plus 8 per float,
    /// integer or unsigned, 1 per boolean, the length of each string.
    public var byteSize: Int {
        switch self {
        case .float(let t, _), .integer(let t, _), .unsigned(let t, _): t.count * 16
        case .boolean(let t, _): t.count * 9
        case .string(let t, let v): t.count * 8 + v.reduce(0) { $0 + $1.count }
        }
    }

    /// Whether two value lists hold the same type.
    public func sameType(as other: WALValues) -> Bool { walType == other.walType }

    /// `self` followed by `other`, or nil if their types differ.
    public func appending(_ other: WALValues) -> WALValues? {
        var joined = self
        return joined.append(other) ? joined : nil
    }

    /// Appends `other` in place (amortised, no copy of the existing arrays); false when the
    /// types differ.
    public mutating func append(_ other: WALValues) -> Bool {
        switch self {
        case .float(var t, var v):
            guard case .float(let t2, let v2) = other else { return false }
            self = .float([], [])  // release self's references so t and v are unique
            t += t2
            v += v2
            self = .float(t, v)
        case .integer(var t, var v):
            guard case .integer(let t2, let v2) = other else { return false }
            self = .integer([], [])
            t += t2
            v += v2
            self = .integer(t, v)
        case .unsigned(var t, var v):
            guard case .unsigned(let t2, let v2) = other else { return false }
            self = .unsigned([], [])
            t += t2
            v += v2
            self = .unsigned(t, v)
        case .boolean(var t, var v):
            guard case .boolean(let t2, let v2) = other else { return false }
            self = .boolean([], [])
            t += t2
            v += v2
            self = .boolean(t, v)
        case .string(var t, var v):
            guard case .string(let t2, let v2) = other else { return false }
            self = .string([], [])
            t += t2
            v += v2
            self = .string(t, v)
        }
        return true
    }

    /// Sorted by time with one value per timestamp, the one appended last winning (1.x's
    /// `Values.Deduplicate`). Already-sorted input is returned unchanged without copying.
    public func deduplicated() -> WALValues {
        let t = timestamps
        var sorted = true
        for i in t.indices.dropFirst() where t[i] <= t[i - 1] {
            sorted = false
            break
        }
        if sorted { return self }
        switch self {
        case .float(let t, let v): let r = TSMReader.deduplicate(t, v); return .float(r.0, r.1)
        case .integer(let t, let v): let r = TSMReader.deduplicate(t, v); return .integer(r.0, r.1)
        case .unsigned(let t, let v): let r = TSMReader.deduplicate(t, v); return .unsigned(r.0, r.1)
        case .boolean(let t, let v): let r = TSMReader.deduplicate(t, v); return .boolean(r.0, r.1)
        case .string(let t, let v): let r = TSMReader.deduplicate(t, v); return .string(r.0, r.1)
        }
    }

    /// Without the points whose time is in `[min, max]` (1.x's `Values.Exclude`).
    public func excluding(min: Int64, max: Int64) -> WALValues {
        let keep = timestamps.indices.filter { timestamps[$0] < min || timestamps[$0] > max }
        func pick<V>(_ v: [V]) -> [V] { keep.map { v[$0] } }
        let t = pick(timestamps)
        switch self {
        case .float(_, let v): return .float(t, pick(v))
        case .integer(_, let v): return .integer(t, pick(v))
        case .unsigned(_, let v): return .unsigned(t, pick(v))
        case .boolean(_, let v): return .boolean(t, pick(v))
        case .string(_, let v): return .string(t, pick(v))
        }
    }
}

extension WALValues {
    /// The points at positions `r`.
    public func subrange(_ r: Range<Int>) -> WALValues {
        if r.count == count { return self }
        switch self {
        case .float(let t, let v): return .float(Array(t[r]), Array(v[r]))
        case .integer(let t, let v): return .integer(Array(t[r]), Array(v[r]))
        case .unsigned(let t, let v): return .unsigned(Array(t[r]), Array(v[r]))
        case .boolean(let t, let v): return .boolean(Array(t[r]), Array(v[r]))
        case .string(let t, let v): return .string(Array(t[r]), Array(v[r]))
        }
    }

    /// The points with `min <= time <= max` of time-sorted values.
    public func clipped(min: Int64, max: Int64) -> WALValues {
        let t = timestamps
        guard let first = t.first, let last = t.last, first < min || last > max else { return self }
        var lo = 0, hi = t.count
        while lo < hi { let m = (lo + hi) / 2; if t[m] < min { lo = m + 1 } else { hi = m } }
        let start = lo
        hi = t.count
        while lo < hi { let m = (lo + hi) / 2; if t[m] <= max { lo = m + 1 } else { hi = m } }
        return subrange(start..<lo)
    }
}
