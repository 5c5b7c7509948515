import Checksum

/// 1.x's `pkg/rhh.HashMap` as the index writers use it, reproduced step for step because
/// the slot layout it ends with is written to the file: load factor 80 %, capacity a power
/// of two (at least 2), doubled (and every element re-inserted in slot order) when the count
/// passes 80 % of it; insertion walks from the home slot and swaps with any resident that
/// is closer to its own home (ties keep the resident).
struct IndexRobinHood {
    private(set) var capacity: Int64
    private var threshold: Int64 = 0
    private var count: Int64 = 0
    private var hashes: [Int64] = []
    private var keys: [[UInt8]] = []
    private var values: [UInt64] = []

    /// A map sized for `capacity` elements before any growth (`rhh.NewHashMap`).
    init(capacity: Int) {
        self.capacity = Self.pow2(Int64(capacity))
        allocate()
    }

    /// `pow2`: the smallest power of two ≥ `v`, at least 2.
    static func pow2(_ v: Int64) -> Int64 {
        var i: Int64 = 2
        while i < v { i *= 2 }
        return i
    }

    private mutating func allocate() {
        let n = Int(capacity)
        hashes = [Int64](repeating: 0, count: n)
        keys = [[UInt8]](repeating: [], count: n)
        values = [UInt64](repeating: 0, count: n)
        threshold = capacity * 80 / 100
    }

    /// `Put`.
    mutating func put(_ key: [UInt8], _ value: UInt64) {
        count += 1
        if count > threshold { grow() }
        let hash = key.withUnsafeBytes { SeriesFileHash.key($0) }
        if insert(hash, key, value) { count -= 1 }
    }

    private mutating func insert(_ hash: Int64, _ key: [UInt8], _ value: UInt64) -> Bool {
        var hash = hash, key = key, value = value
        let mask = capacity - 1
        var pos = Int(hash & mask)
        var distance: Int64 = 0
        while true {
            let match = keys[pos] == key
            if hashes[pos] == 0 || match {
                hashes[pos] = hash
                keys[pos] = key
                values[pos] = value
                return match
            }
            let residentDistance = SeriesFileHash.distance(hash: hashes[pos], slot: Int64(pos), capacity: capacity)
            if residentDistance < distance {
                swap(&hash, &hashes[pos])
                swap(&key, &keys[pos])
                swap(&value, &values[pos])
                distance = residentDistance
            }
            pos = Int((Int64(pos) + 1) & mask)
            distance += 1
        }
    }

    private mutating func grow() {
        let (oldHashes, oldKeys, oldValues) = (hashes, keys, values)
        capacity *= 2
        allocate()
        for i in oldHashes.indices where oldHashes[i] != 0 {
            _ = insert(oldHashes[i], oldKeys[i], oldValues[i])
        }
    }

    /// The on-disk hash index: the slot count, then each slot's value (0 when empty), all
    /// big-endian `UInt64`s.
    func append(to out: inout [UInt8]) {
        IndexBytes.append(UInt64(capacity), to: &out)
        for i in hashes.indices { IndexBytes.append(hashes[i] == 0 ? 0 : values[i], to: &out) }
    }
}
