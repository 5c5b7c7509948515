/// Read access `sundial-inspect` needs beyond the engine's own use of the reader.
extension TSMReader {
    /// The position of `key` in the file's key order, or nil if the file does not hold it.
    public func position(of key: [UInt8]) -> Int? {
        var lo = 0, hi = keyCount
        return key.withUnsafeBytes { k -> Int? in
            while lo < hi {
                let mid = (lo + hi) / 2
                let candidate = keyBytes(at: mid)
                if candidate.elementsEqual(k) { return mid }
                if candidate.lexicographicallyPrecedes(k) { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }
}
