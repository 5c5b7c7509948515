/// Go 1.19's `sort.Slice` and `sort.Sort` (pattern-defeating quicksort, not stable), as 1.6.7
/// is built by Debian: elements that compare equal come out in the order this algorithm leaves
/// them, so the same steps are taken here, comparison for comparison (insertion sort up to 12
/// elements, ninther pivots from 50, its xorshift for breaking patterns). Used where 1.x's
/// answer shows that order: percentile's and mode's ties, the storage service's GroupBy rows.
public struct GoSortSlice<Element> {
    private var data: [Element]
    private let less: (Element, Element) -> Bool

    /// `elements` sorted as Go's `sort.Slice(elements, less)` sorts them.
    public static func sorted(_ elements: [Element], by less: @escaping (Element, Element) -> Bool) -> [Element] {
        var s = GoSortSlice(data: elements, less: less)
        let n = elements.count
        s.pdqsort(0, n, limit: Int.bitWidth - n.leadingZeroBitCount)
        return s.data
    }

    private init(data: [Element], less: @escaping (Element, Element) -> Bool) {
        self.data = data
        self.less = less
    }

    private func isLess(_ i: Int, _ j: Int) -> Bool { less(data[i], data[j]) }
    private mutating func swap(_ i: Int, _ j: Int) { data.swapAt(i, j) }

    private enum Hint { case unknown, increasing, decreasing }

    private mutating func insertionSort(_ a: Int, _ b: Int) {
        var i = a + 1
        while i < b {
            var j = i
            while j > a && isLess(j, j - 1) {
                swap(j, j - 1)
                j -= 1
            }
            i += 1
        }
    }

    private mutating func siftDown(_ lo: Int, _ hi: Int, _ first: Int) {
        var root = lo
        while true {
            var child = 2 * root + 1
            if child >= hi { return }
            if child + 1 < hi && isLess(first + child, first + child + 1) { child += 1 }
            if !isLess(first + root, first + child) { return }
            swap(first + root, first + child)
            root = child
        }
    }

    private mutating func heapSort(_ a: Int, _ b: Int) {
        let first = a, hi = b - a
        var i = (hi - 1) / 2
        while i >= 0 {
            siftDown(i, hi, first)
            i -= 1
        }
        i = hi - 1
        while i >= 0 {
            swap(first, first + i)
            siftDown(0, i, first)
            i -= 1
        }
    }

    private mutating func pdqsort(_ a: Int, _ b: Int, limit: Int) {
        var a = a, b = b, limit = limit
        var wasBalanced = true, wasPartitioned = true
        while true {
            let length = b - a
            if length <= 12 {
                insertionSort(a, b)
                return
            }
            if limit == 0 {
                heapSort(a, b)
                return
            }
            if !wasBalanced {
                breakPatterns(a, b)
                limit -= 1
            }
            var (pivot, hint) = choosePivot(a, b)
            if hint == .decreasing {
                reverseRange(a, b)
                pivot = (b - 1) - (pivot - a)
                hint = .increasing
            }
            if wasBalanced && wasPartitioned && hint == .increasing && partialInsertionSort(a, b) { return }
            if a > 0 && !isLess(a - 1, pivot) {
                a = partitionEqual(a, b, pivot)
                continue
            }
            let (mid, alreadyPartitioned) = partition(a, b, pivot)
            wasPartitioned = alreadyPartitioned
            let leftLen = mid - a, rightLen = b - mid, balanceThreshold = length / 8
            if leftLen < rightLen {
                wasBalanced = leftLen >= balanceThreshold
                pdqsort(a, mid, limit: limit)
                a = mid + 1
            } else {
                wasBalanced = rightLen >= balanceThreshold
                pdqsort(mid + 1, b, limit: limit)
                b = mid
            }
        }
    }

    private mutating func partition(_ a: Int, _ b: Int, _ pivot: Int) -> (Int, Bool) {
        swap(a, pivot)
        var i = a + 1, j = b - 1
        while i <= j && isLess(i, a) { i += 1 }
        while i <= j && !isLess(j, a) { j -= 1 }
        if i > j {
            swap(j, a)
            return (j, true)
        }
        swap(i, j)
        i += 1
        j -= 1
        while true {
            while i <= j && isLess(i, a) { i += 1 }
            while i <= j && !isLess(j, a) { j -= 1 }
            if i > j { break }
            swap(i, j)
            i += 1
            j -= 1
        }
        swap(j, a)
        return (j, false)
    }

    private mutating func partitionEqual(_ a: Int, _ b: Int, _ pivot: Int) -> Int {
        swap(a, pivot)
        var i = a + 1, j = b - 1
        while true {
            while i <= j && !isLess(a, i) { i += 1 }
            while i <= j && isLess(a, j) { j -= 1 }
            if i > j { break }
            swap(i, j)
            i += 1
            j -= 1
        }
        return i
    }

    private mutating func partialInsertionSort(_ a: Int, _ b: Int) -> Bool {
        var i = a + 1
        for _ in 0..<5 {
            while i < b && !isLess(i, i - 1) { i += 1 }
            if i == b { return true }
            if b - a < 50 { return false }
            swap(i, i - 1)
            if i - a >= 2 {
                var j = i - 1
                while j >= 1 {
                    if !isLess(j, j - 1) { break }
                    swap(j, j - 1)
                    j -= 1
                }
            }
            if b - i >= 2 {
                var j = i + 1
                while j < b {
                    if !isLess(j, j - 1) { break }
                    swap(j, j - 1)
                    j += 1
                }
            }
        }
        return false
    }

    private mutating func breakPatterns(_ a: Int, _ b: Int) {
        let length = b - a
        guard length >= 8 else { return }
        var random = UInt64(length)
        let modulus = UInt(1) << UInt(Int.bitWidth - length.leadingZeroBitCount)
        var idx = a + (length / 4) * 2 - 1
        while idx <= a + (length / 4) * 2 + 1 {
            random ^= random << 13
            random ^= random >> 17
            random ^= random << 5
            var other = Int(UInt(truncatingIfNeeded: random) & (modulus - 1))
            if other >= length { other -= length }
            swap(idx, a + other)
            idx += 1
        }
    }

    private func choosePivot(_ a: Int, _ b: Int) -> (Int, Hint) {
        let l = b - a
        var swaps = 0
        var i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3
        if l >= 8 {
            if l >= 50 {
                i = median(i - 1, i, i + 1, &swaps)
                j = median(j - 1, j, j + 1, &swaps)
                k = median(k - 1, k, k + 1, &swaps)
            }
            j = median(i, j, k, &swaps)
        }
        switch swaps {
        case 0: return (j, .increasing)
        case 12: return (j, .decreasing)
        default: return (j, .unknown)
        }
    }

    private func order2(_ a: Int, _ b: Int, _ swaps: inout Int) -> (Int, Int) {
        if isLess(b, a) {
            swaps += 1
            return (b, a)
        }
        return (a, b)
    }

    private func median(_ a: Int, _ b: Int, _ c: Int, _ swaps: inout Int) -> Int {
        let (a1, b1) = order2(a, b, &swaps)
        let (b2, _) = order2(b1, c, &swaps)
        return order2(a1, b2, &swaps).1
    }

    private mutating func reverseRange(_ a: Int, _ b: Int) {
        var i = a, j = b - 1
        while i < j {
            swap(i, j)
            i += 1
            j -= 1
        }
    }
}
