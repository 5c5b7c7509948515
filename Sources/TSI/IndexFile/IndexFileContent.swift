/// The logical content of an index file: what `IndexFileWriter` encodes and what
/// `IndexFile.content()` reads back. Names and values are raw bytes (no escaping).
public struct IndexFileContent: Sendable, Equatable {
    /// The measurements; the writer sorts them by name, as 1.x does.
    public var measurements: [MeasurementEntry]
    /// The series the file adds, and the series it deletes.
    public var seriesIDSet: SeriesIDSet
    public var tombstoneSeriesIDSet: SeriesIDSet
    /// Sketches of those series' keys. 1.x builds them from keys the series file holds, which
    /// this module does not read, so the caller supplies them.
    public var seriesSketch: HLLSketch
    public var tombstoneSeriesSketch: HLLSketch
    /// The measurement-name sketches; nil lets the writer build them as 1.x does (each name
    /// added, in name order, to the live or the tombstoned sketch).
    public var measurementSketch: HLLSketch?
    public var tombstoneMeasurementSketch: HLLSketch?

    /// Content with the given parts; by default empty sets and sketches.
    public init(
        measurements: [MeasurementEntry] = [], seriesIDSet: SeriesIDSet = SeriesIDSet(),
        tombstoneSeriesIDSet: SeriesIDSet = SeriesIDSet(), seriesSketch: HLLSketch = .empty,
        tombstoneSeriesSketch: HLLSketch = .empty, measurementSketch: HLLSketch? = nil,
        tombstoneMeasurementSketch: HLLSketch? = nil
    ) {
        self.measurements = measurements
        self.seriesIDSet = seriesIDSet
        self.tombstoneSeriesIDSet = tombstoneSeriesIDSet
        self.seriesSketch = seriesSketch
        self.tombstoneSeriesSketch = tombstoneSeriesSketch
        self.measurementSketch = measurementSketch
        self.tombstoneMeasurementSketch = tombstoneMeasurementSketch
    }
}

/// A measurement: its name, whether it is dropped, its series ids (in the order to store,
/// normally ascending) and its tag keys (in byte order).
public struct MeasurementEntry: Sendable, Equatable {
    public var name: [UInt8]
    public var isTombstoned: Bool
    public var seriesIDs: [UInt64]
    public var tagKeys: [TagKeyEntry]

    /// A measurement entry.
    public init(name: [UInt8], isTombstoned: Bool = false, seriesIDs: [UInt64] = [], tagKeys: [TagKeyEntry] = []) {
        self.name = name
        self.isTombstoned = isTombstoned
        self.seriesIDs = seriesIDs
        self.tagKeys = tagKeys
    }
}

/// A tag key: its name, whether it is dropped, and its values (in byte order).
public struct TagKeyEntry: Sendable, Equatable {
    public var key: [UInt8]
    public var isTombstoned: Bool
    public var values: [TagValueEntry]

    /// A tag key entry.
    public init(key: [UInt8], isTombstoned: Bool = false, values: [TagValueEntry] = []) {
        self.key = key
        self.isTombstoned = isTombstoned
        self.values = values
    }
}

/// A tag value: its name, whether it is dropped, and the ids of the series that carry it.
public struct TagValueEntry: Sendable, Equatable {
    public var value: [UInt8]
    public var isTombstoned: Bool
    public var seriesIDs: [UInt64]

    /// A tag value entry.
    public init(value: [UInt8], isTombstoned: Bool = false, seriesIDs: [UInt64] = []) {
        self.value = value
        self.isTombstoned = isTombstoned
        self.seriesIDs = seriesIDs
    }
}

extension IndexFile {
    /// Everything the file holds, decoded (sketches as stored, so that writing the content
    /// again reproduces them byte for byte).
    public func content() throws(IndexFileError) -> IndexFileContent {
        var measurements: [MeasurementEntry] = []
        for m in self.measurements {
            var keys: [TagKeyEntry] = []
            for k in try tagBlock(of: m).keys() {
                var values: [TagValueEntry] = []
                for v in try k.values() {
                    values.append(TagValueEntry(value: Array(v.name), isTombstoned: v.isTombstoned, seriesIDs: try v.series.ids()))
                }
                keys.append(TagKeyEntry(key: Array(k.name), isTombstoned: k.isTombstoned, values: values))
            }
            measurements.append(MeasurementEntry(name: Array(m.name), isTombstoned: m.isTombstoned, seriesIDs: try m.series.ids(), tagKeys: keys))
        }
        return IndexFileContent(
            measurements: measurements, seriesIDSet: try seriesIDSet(), tombstoneSeriesIDSet: try tombstoneSeriesIDSet(),
            seriesSketch: try seriesSketch(), tombstoneSeriesSketch: try tombstoneSeriesSketch(),
            measurementSketch: try measurementSketch(), tombstoneMeasurementSketch: try tombstoneMeasurementSketch())
    }
}
