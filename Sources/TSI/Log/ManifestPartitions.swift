import Checksum

/// The layout of a shard's tsi1 index: `<shard>/index/<p>/` for partitions `p` = 0 to 7,
/// each directory holding a `MANIFEST` and the files it lists.
public enum ManifestPartitions {
    /// The shard subdirectory that holds the partitions.
    public static let indexDirectoryName = "index"
    /// 1.6's `DefaultPartitionN`. (`TSI_PARTITIONS` in influxd's environment changes it; it
    /// must be a power of two and never change for existing data.)
    public static let count = 8

    /// The directory name of partition `p` (`fmt.Sprint(p)`: `0`…`7`, no padding).
    public static func directoryName(_ p: Int) -> String { String(p) }

    /// The partition a series belongs to: XXH64 of its key as the write path holds it (the
    /// line-protocol form, `cpu,host=a\ b`: escaped, tags sorted), masked with `count - 1`.
    /// Log and index entries of the series go only there; measurement tombstones go to every
    /// partition.
    public static func partition(ofKey key: UnsafeRawBufferPointer, count: Int = ManifestPartitions.count) -> Int {
        Int(XXHash64.hash(key) & UInt64(max(count, 1) - 1))
    }

    /// `partition(ofKey:count:)` for a key in an array.
    public static func partition(ofKey key: [UInt8], count: Int = ManifestPartitions.count) -> Int {
        key.withUnsafeBytes { partition(ofKey: $0, count: count) }
    }
}
