import Query
import Testing

/// Go 1.19's sort.Slice steps: the result is sorted and a permutation of the input at every
/// size (insertion sort, median of three, ninther, equal partitions, heapsort fallback), and
/// up to 12 elements it is stable. (That equal elements land where Go's steps put them is
/// checked against influxd by StorageReadProcessTests' GroupBy and the compare tool.)
@Suite struct GoSortSliceTests {
    @Test(arguments: [0, 1, 2, 12, 13, 49, 50, 51, 200, 1000])
    func sortsEverySize(count: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(count)
        let items: [(key: Int, id: Int)] = (0..<count).map { id in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return (Int(state % 7), id)  // many equal keys
        }
        let sorted = GoSortSlice.sorted(items) { $0.key < $1.key }
        #expect(sorted.map(\.key) == items.map(\.key).sorted())
        #expect(sorted.map(\.id).sorted() == Array(0..<count))
        if count <= 12 {
            #expect(sorted.map(\.id) == items.sorted { $0.key != $1.key ? $0.key < $1.key : $0.id < $1.id }.map(\.id))
        }
    }

    /// Descending input (the reversal path) and already sorted input (the partial insertion sort).
    @Test(arguments: [true, false])
    func presortedInputs(descending: Bool) {
        let items = Array(0..<500).map { descending ? 499 - $0 : $0 }
        #expect(GoSortSlice.sorted(items, by: <) == Array(0..<500))
    }
}
