import GoMath
import Checksum
import Foundation
import Testing
@testable import TSI

#if canImport(Glibc)
import Glibc
#endif

/// tsi1 index files (`L<level>-<id>.tsi`): the reader, series-id sets, sketches and the
/// writer, on files the real influxd 1.6.7 wrote (compared with what it answers) and on
/// hand-built and damaged bytes.
@Suite struct IndexFileTests {
    // MARK: - Hand-built files

    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Two measurements (one dropped), keys with several values, escapes-free raw bytes.
    static var sample: IndexFileContent {
        var sketch = HLLSketch.empty
        for k in ["cpu,host=a", "cpu,host=b", "mem,dc=x y"] { sketch.add(b(k)) }
        return IndexFileContent(
            measurements: [
                MeasurementEntry(name: b("mem"), seriesIDs: [3, 11], tagKeys: [
                    TagKeyEntry(key: b("dc"), values: [TagValueEntry(value: b("x y"), seriesIDs: [3, 11])]),
                ]),
                MeasurementEntry(name: b("cpu"), seriesIDs: [1, 2, 300], tagKeys: [
                    TagKeyEntry(key: b("host"), values: [
                        TagValueEntry(value: b("a"), seriesIDs: [1]), TagValueEntry(value: b("b"), seriesIDs: [2, 300]),
                        TagValueEntry(value: b("c"), isTombstoned: true),
                    ]),
                    TagKeyEntry(key: b("z,k"), isTombstoned: true),
                ]),
                MeasurementEntry(name: b("gone"), isTombstoned: true),
            ],
            seriesIDSet: SeriesIDSet([1, 2, 3, 11, 300]), tombstoneSeriesIDSet: SeriesIDSet([7]), seriesSketch: sketch)
    }

    @Test func writerOutputReadsBack() throws {
        let bytes = try IndexFileWriter.encode(Self.sample)
        let file = try IndexFile(bytes: bytes)
        #expect(file.measurements.map { $0.name.description } == ["cpu", "gone", "mem"])
        #expect(file.measurements.map(\.isTombstoned) == [false, true, false])
        let cpu = try #require(try file.measurement(named: Self.b("cpu")))
        #expect(try cpu.series.ids() == [1, 2, 300] && cpu.series.count == 3)
        #expect(try file.measurement(named: Self.b("nope")) == nil)
        let tags = try file.tagBlock(of: cpu)
        #expect(try tags.keys().map(\.name.description) == ["host", "z,k"])
        #expect(try tags.key(named: Self.b("z,k"))?.isTombstoned == true)
        #expect(try tags.value(key: Self.b("host"), value: Self.b("b"))?.series.ids() == [2, 300])
        #expect(try tags.value(key: Self.b("host"), value: Self.b("c"))?.isTombstoned == true)
        #expect(try tags.value(key: Self.b("host"), value: Self.b("d")) == nil)
        #expect(try file.seriesIDSet().ids == [1, 2, 3, 11, 300] && file.tombstoneSeriesIDSet().ids == [7])
        #expect(try file.seriesSketch().count() == 3 && file.measurementSketch().count() == 2)
        #expect(try file.tombstoneMeasurementSketch().count() == 1)
        #expect(try IndexFileWriter.encode(file.content()) == bytes)
        #expect(try file.content() == { var c = Self.sample; c.measurements.sort { $0.name.lexicographicallyPrecedes($1.name) }
            c.measurementSketch = try file.measurementSketch(); c.tombstoneMeasurementSketch = try file.tombstoneMeasurementSketch(); return c }())
    }

    @Test func unsafeBytesAreReleasedOnce() throws {
        let bytes = try IndexFileWriter.encode(Self.sample)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        buffer.copyBytes(from: bytes)
        let file = try IndexFile(unsafeBytes: UnsafeRawBufferPointer(buffer)) { $0.deallocate() }
        #expect(file.measurements.count == 3 && file.byteCount == bytes.count)
    }

    /// Every name of many measurements, keys and values is found through the hash indexes the
    /// writer built, across several growths of 1.x's Robin Hood map.
    @Test(arguments: [1, 3, 4, 5, 13, 200, 1000])
    func hashIndexesFindEveryName(_ n: Int) throws {
        let values = (0..<n).map { TagValueEntry(value: Self.b("v\($0)"), seriesIDs: [UInt64($0 + 1)]) }.sorted { $0.value.lexicographicallyPrecedes($1.value) }
        let keys = (0..<min(n, 50)).map { TagKeyEntry(key: Self.b("k\($0)"), values: values) }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        let content = IndexFileContent(measurements: (0..<n).map { MeasurementEntry(name: Self.b("m\($0)"), tagKeys: $0 == 0 ? keys : []) })
        let file = try IndexFile(bytes: IndexFileWriter.encode(content))
        for i in 0..<n { #expect(try file.measurement(named: Self.b("m\(i)"))?.name.description == "m\(i)") }
        let tags = try file.tagBlock(of: try #require(try file.measurement(named: Self.b("m0"))))
        for key in keys {
            let k = try #require(try tags.key(named: key.key))
            for v in values { #expect(try k.value(named: v.value)?.series.ids() == v.seriesIDs) }
        }
    }

    @Test func writerRefusesWhat1xRefuses() {
        let bad: [[TagKeyEntry]] = [
            [TagKeyEntry(key: Self.b("b")), TagKeyEntry(key: Self.b("a"))],
            [TagKeyEntry(key: Self.b("a")), TagKeyEntry(key: Self.b("a"))],
            [TagKeyEntry(key: Self.b("a"), values: [TagValueEntry(value: Self.b("2")), TagValueEntry(value: Self.b("1"))])],
            [TagKeyEntry(key: Self.b("a"), values: [TagValueEntry(value: [])])],
        ]
        for keys in bad {
            #expect(throws: IndexFileError.self) { try IndexFileWriter.encode(IndexFileContent(measurements: [MeasurementEntry(name: Self.b("m"), tagKeys: keys)])) }
        }
    }

    // MARK: - Series-id sets and sketches

    @Test func seriesIDSetPortableBytes() throws {
        #expect(SeriesIDSet().portableBytes == [0x3A, 0x30, 0, 0, 0, 0, 0, 0])
        #expect(SeriesIDSet([1, 65537]).portableBytes == [0x3A, 0x30, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 24, 0, 0, 0, 26, 0, 0, 0, 1, 0, 1, 0])
        let big = SeriesIDSet((0..<5000).map { UInt64($0 * 3) })  // a bitmap container and an array one
        let back = try SeriesIDSet(portable: big.portableBytes)
        #expect(back == big && back.count == 5000 && back.contains(14997) && !back.contains(14998))
        var s = back
        s.remove(0)
        #expect(s.count == 4999 && back.count == 5000 && s.union(back) == back && back.subtracting(s).ids == [0])
    }

    static let badSets: [(String, [UInt8])] = [
        ("empty", []), ("unknown cookie", [1, 2, 3, 4, 0, 0, 0, 0]), ("short count", [0x3A, 0x30, 0, 0, 1]),
        ("too many containers", [0x3A, 0x30, 0, 0, 1, 0, 2, 0]), ("missing container", [0x3A, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0]),
        ("keys out of order", [0x3A, 0x30, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 12)),
        ("array not increasing", [0x3A, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 12, 0, 0, 0, 5, 0, 5, 0]),
        ("run overflow", [0x3B, 0x30, 0, 0, 0x01, 0, 0, 1, 0, 1, 0, 0xFF, 0xFF, 1, 0]),
        ("run count mismatch", [0x3B, 0x30, 0, 0, 0x01, 0, 0, 4, 0, 1, 0, 0, 0, 0, 0]),
        ("bitmap count mismatch", [0x3A, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 12, 0, 0, 0] + [UInt8](repeating: 1, count: 8192)),
    ]

    @Test(arguments: badSets.indices)
    func seriesIDSetRejects(_ i: Int) {
        #expect(throws: IndexFileError.self, "\(Self.badSets[i].0)") { _ = try SeriesIDSet(portable: Self.badSets[i].1) }
    }

    @Test func sketchRoundTripsAndCounts() throws {
        var h = HLLSketch.empty
        for i in 0..<500 { h.add(Self.b("series-\(i)")) }
        #expect(h.isSparse && h.count() == 500)
        #expect(try HLLSketch(marshaled: h.marshaled) == h)
        for i in 500..<700 { h.add(Self.b("series-\(i)")) }  // 656 pending went into the sorted list
        guard case .sparse(let pending, let list) = h.representation else { Issue.record("dense too early"); return }
        #expect(pending.count == 44 && list.count == 656 && h.count() == 700)
        for i in 500..<200_000 { h.add(Self.b("series-\(i)")) }  // through the sparse list into dense registers
        #expect(!h.isSparse && h.marshaled.count == 7 + 65536)
        let estimate = Double(h.count())
        #expect(abs(estimate - 200_000) / 200_000 < 0.02)
        var merged = HLLSketch.empty
        try merged.merge(h)
        #expect(merged.count() == h.count())
        #expect(GoMath.log(1) == 0 && GoMath.log(2) == 0.6931471805599453 && GoMath.pow(3, 7) == 2187)
        #expect(GoMath.uint64(-1.5) == UInt64.max && GoMath.uint64(.nan) == 1 << 63 && GoMath.uint64(1e19) == 10_000_000_000_000_000_000)
    }

    /// 1.7+ stores an element's series as a Roaring bitmap (flag 0x02); the ids read the same.
    @Test func roaringElementSeries() throws {
        let bytes = SeriesIDSet([5, 9, 70_000]).portableBytes
        let storage = bytes.withUnsafeBytes { IndexFileStorage(copying: $0) }
        let series = IndexSeriesIDs(storage: storage, range: 0..<bytes.count, count: 3, isRoaring: true)
        #expect(try series.ids() == [5, 9, 70_000])
        let damaged = IndexSeriesIDs(storage: storage, range: 0..<bytes.count - 1, count: 3, isRoaring: true)
        #expect(throws: IndexFileError.self) { try damaged.ids() }
    }

    static let badSketches: [(String, [UInt8])] = [
        ("short", [2, 16, 1, 0, 0, 0, 0]), ("precision 3", [2, 3, 1] + [UInt8](repeating: 0, count: 16)),
        ("pending past the end", [2, 16, 1, 0, 0, 0, 9] + [UInt8](repeating: 0, count: 12)),
        ("list past the end", [2, 16, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5, 1]),
        ("list inside a varint", [2, 16, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x80]),
        ("dense size", [2, 16, 0, 0, 0, 0, 16] + [UInt8](repeating: 0, count: 16)),
        ("dense past the end", [2, 4, 0, 0, 0, 0, 16] + [UInt8](repeating: 0, count: 15)),
    ]

    @Test(arguments: badSketches.indices)
    func sketchRejects(_ i: Int) {
        #expect(throws: IndexFileError.self, "\(Self.badSketches[i].0)") { _ = try HLLSketch(marshaled: Self.badSketches[i].1) }
    }

    // MARK: - Damaged files

    /// Reads everything a file holds through every access path.
    static func readAll(_ bytes: [UInt8]) throws {
        let file = try IndexFile(bytes: bytes)
        _ = try file.content()
        for m in file.measurements {
            _ = try file.measurement(named: m.name)
            let tags = try file.tagBlock(of: m)
            for k in try tags.keys() {
                _ = try tags.key(named: k.name)
                for v in try k.values() { _ = try k.value(named: v.name) }
            }
        }
        _ = try file.seriesSketch().count()
    }

    /// Mutations of the sample file at positions found through its own layout.
    fileprivate static let damages: [(String, @Sendable (inout [UInt8], Layout) -> Void)] = [
        ("empty", { b, _ in b = [] }), ("three bytes", { b, _ in b = Array(b.prefix(3)) }),
        ("wrong magic", { b, _ in b[0] = 0x58 }), ("magic only", { b, _ in b = Array(b.prefix(4)) }),
        ("no trailer", { b, _ in b = Array(b.dropLast(1)) }), ("file version 2", { b, _ in b[b.count - 1] = 2 }),
        ("block past the end", { b, l in put(&b, l.trailer, UInt64(b.count)) }), ("block size huge", { b, l in put(&b, l.trailer + 8, .max) }),
        ("set past the end", { b, l in put(&b, l.trailer + 24, 1 << 40) }), ("sketch size huge", { b, l in put(&b, l.trailer + 56, .max - 3) }),
        ("block version 9", { b, l in b[l.blockEnd - 1] = 9 }),
        ("measurement hash 3 slots", { b, l in put(&b, l.measurementHash, 3) }), ("measurement hash 0 slots", { b, l in put(&b, l.measurementHash, 0) }),
        ("hash slot past data", { b, l in for i in 0..<4 { put(&b, l.measurementHash + 8 + 8 * i, 1 << 32) } }),
        ("tag block past the end", { b, l in put(&b, l.firstMeasurement + 1, 1 << 50) }),
        ("tag block size off by one", { b, l in put(&b, l.firstMeasurement + 9, l.firstTagBlockSize - 1) }),
        ("name length overflow", { b, l in for i in 0..<10 { b[l.firstMeasurement + 17 + i] = 0xFF } }),
        ("name length past data", { b, l in b[l.firstMeasurement + 17] = 0x7F }),
        ("tag block trailer size", { b, l in put(&b, l.firstTagBlockEnd - 10, 12) }),
        ("tag key data past block", { b, l in put(&b, l.firstTagBlockEnd - 58 + 16, 1 << 20) }),
        ("key hash 6 slots", { b, l in put(&b, l.firstKeyHash, 6) }),
        ("key value data past block", { b, l in put(&b, l.firstKey + 1, 1 << 33) }),
        ("key value hash damaged", { b, l in put(&b, l.firstKey + 17, 1) }),
        ("key name empty", { b, l in b[l.firstKey + 33] = 0 }),
        ("value name empty", { b, l in b[l.firstValue + 1] = 0 }),
        ("series data past values", { b, l in b[l.firstValue + 4] = 0x7F }),
        ("series delta unterminated", { b, l in b[l.firstValue + 5] = 0x81 }),
        ("series set cookie", { b, l in b[l.seriesIDSet] = 0 }), ("series sketch precision", { b, l in b[l.seriesSketch + 1] = 30 }),
    ]

    @Test(arguments: damages.indices)
    func damagedFilesThrow(_ i: Int) throws {
        var bytes = try IndexFileWriter.encode(Self.sample)
        let layout = try Layout(bytes)
        Self.damages[i].1(&bytes, layout)
        #expect(throws: IndexFileError.self, "\(Self.damages[i].0)") { try Self.readAll(bytes) }
    }

    /// Flipped bytes and cuts anywhere in a valid file: every access answers or throws.
    @Test func randomDamageNeverTraps() throws {
        let original = try IndexFileWriter.encode(Self.sample)
        var random = SplitMix(state: 7)
        for round in 0..<4000 {
            var bytes = original
            for _ in 0..<(1 + round % 3) { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count)))) }
            try? Self.readAll(bytes)
            let cut = Int(random.next() % UInt64(bytes.count + 1))
            _ = try? SeriesIDSet(portable: Array(bytes.suffix(from: cut)))
            _ = try? HLLSketch(marshaled: Array(bytes.suffix(from: cut))).count()
        }
    }
}

/// Positions of the sample file's parts, read through the reader.
fileprivate struct Layout {
    var trailer = 0, blockEnd = 0, measurementHash = 0, firstMeasurement = 0, firstTagBlockEnd = 0, firstKeyHash = 0
    var firstKey = 0, firstValue = 0, seriesIDSet = 0, seriesSketch = 0
    var firstTagBlockSize: UInt64 = 0

    init(_ bytes: [UInt8]) throws {
        let file = try IndexFile(bytes: bytes)
        trailer = bytes.count - IndexFileTrailer.size
        let block = Int(file.trailer.measurementBlock.offset)
        blockEnd = block + Int(file.trailer.measurementBlock.size)
        measurementHash = block + Int(file.measurementBlock.trailer.hashIndex.offset)
        let m = file.measurements[0]
        firstMeasurement = m.offset
        firstTagBlockSize = m.tagBlock.size
        firstTagBlockEnd = Int(m.tagBlock.offset + m.tagBlock.size)
        let tags = try file.tagBlock(of: m)
        firstKeyHash = Int(m.tagBlock.offset + tags.trailer.hashIndex.offset)
        let key = try tags.keys()[0]
        firstKey = key.offset
        firstValue = try key.values()[0].offset
        seriesIDSet = Int(file.trailer.seriesIDSet.offset)
        seriesSketch = Int(file.trailer.seriesSketch.offset)
    }
}

fileprivate func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
    for i in 0..<8 where at + i < b.count { b[at + i] = UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64(i))) }
}

fileprivate struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Files the real influxd 1.6.7 wrote

/// influxd 1.6.7 (Debian's `influxdb` package) writes series into three measurements (with
/// escapes), drops a measurement and some series, and compacts its tsi1 logs (1 KiB each)
/// into index files; every index file must decode, hold exactly what was written, match
/// influxd's cardinality answers, and re-encode to the same bytes.
@Suite(.serialized) struct IndexFileInfluxdTests {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: Influxd16.binary) }

    typealias Key = [[UInt8]]  // measurement, then tag key and value pairs in key order

    static func series(_ i: Int) -> (line: String, key: Key, dropped: Bool) {
        let b = IndexFileTests.b
        switch i % 3 {
        case 0: return ("cpu,host=h\(i),region=r\(i % 7) value=\(i) 1000000000",
                        [b("cpu"), b("host"), b("h\(i)"), b("region"), b("r\(i % 7)")], i % 7 == 3)
        case 1: return ("m\\ em\\,x,tag\\ k=v\\=\(i),z=\\,\(i % 4) f=1 1000000000",
                        [b("m em,x"), b("tag k"), b("v=\(i)"), b("z"), b(",\(i % 4)")], false)
        default: return ("disk,dev=d\(i),path=/p\(i % 5) used=2 1000000000",
                         [b("disk"), b("dev"), b("d\(i)"), b("path"), b("/p\(i % 5)")], true)
        }
    }

    @Test(.enabled(if: available), .timeLimit(.minutes(3)))
    func influxdIndexFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tsi-index-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var server = try Influxd16(dir: dir)
        defer { server.stop() }
        _ = try server.query("CREATE DATABASE db")
        var all = Set<Key>(), live = Set<Key>()
        var lines: [String] = []
        for i in 0..<1800 {
            let s = Self.series(i)
            lines.append(s.line)
            all.insert(s.key)
            if !s.dropped { live.insert(s.key) }
        }
        for j in 0..<240 {  // enough names for a sketch estimate that is not simply exact
            lines.append("w\(j),t=x v=1 1000000000")
            let key = [IndexFileTests.b("w\(j)"), IndexFileTests.b("t"), IndexFileTests.b("x")]
            all.insert(key)
            if j % 20 != 7 { live.insert(key) }
        }
        for batch in stride(from: 0, to: lines.count, by: 600) { try server.write(lines[batch..<min(batch + 600, lines.count)]) }
        for j in stride(from: 7, to: 240, by: 20) { _ = try server.query("DROP MEASUREMENT \"w\(j)\"") }
        _ = try server.query("DROP MEASUREMENT \"disk\"")
        _ = try server.query("DROP SERIES FROM \"cpu\" WHERE \"region\" = 'r3'")

        let index = try server.shardIndexDirectory()
        var flushed = 0
        try Self.flushLogs(server, index, &flushed, &all, &live)
        try Influxd16.waitUntilStable(index)  // level compactions merge the L1 files upwards

        // One more log file a partition, with tombstones for series in the older files.
        _ = try server.query("DROP SERIES FROM \"m em,x\" WHERE \"z\" = ',1'")
        live = live.filter { $0[0] != IndexFileTests.b("m em,x") || $0[4] != IndexFileTests.b(",1") }
        try Self.flushLogs(server, index, &flushed, &all, &live)
        try Influxd16.waitUntilStable(index)
        server.stop()

        var files: [(name: String, bytes: [UInt8])] = []
        for p in 0..<8 {
            for name in try Influxd16.manifestFiles("\(index)/\(p)") {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(index)/\(p)/\(name)")))
                if name.hasSuffix(".tsl") { #expect(bytes.isEmpty, "\(p)/\(name) still holds entries") } else { files.append(("\(p)/\(name)", bytes)) }
            }
        }
        #expect(files.contains { $0.name.contains("/L1-") } && files.contains { !$0.name.contains("/L1-") }, "\(files.map(\.name))")

        var keysByID: [UInt64: Key] = [:]
        var added = SeriesIDSet(), deleted = SeriesIDSet()
        var names = HLLSketch.empty, droppedNames = HLLSketch.empty
        var identical = 0
        for (name, bytes) in files {
            let file = try IndexFile(bytes: bytes)
            try Self.expectLookups(file, name)
            for m in file.measurements {
                var tagsByID: [UInt64: Key] = [:]
                for k in try file.tagBlock(of: m).keys() {
                    for v in try k.values() { for id in try v.series.ids() { tagsByID[id, default: []] += [Array(k.name), Array(v.name)] } }
                }
                for id in try m.series.ids() {
                    let key = [Array(m.name)] + tagsByID[id, default: []]
                    #expect(all.contains(key), "\(name): series \(id) \(key.map { String(decoding: $0, as: UTF8.self) })")
                    #expect(keysByID[id] == nil || keysByID[id] == key, "\(name): series \(id) has two keys")
                    keysByID[id] = key
                }
            }
            let set = try file.seriesIDSet()
            #expect(try file.seriesSketch().count() == UInt64(set.count), "\(name)")
            #expect(try file.tombstoneSeriesSketch().count() <= UInt64(file.tombstoneSeriesIDSet().count), "\(name)")
            #expect(try file.measurementSketch().count() == UInt64(file.measurements.filter { !$0.isTombstoned }.count), "\(name)")
            #expect(try file.tombstoneMeasurementSketch().count() == UInt64(file.measurements.filter(\.isTombstoned).count), "\(name)")
            added = added.union(set)
            deleted = deleted.union(try file.tombstoneSeriesIDSet())
            try names.merge(file.measurementSketch())
            try droppedNames.merge(file.tombstoneMeasurementSketch())
            if try Self.expectRoundTrip(bytes, file, name) { identical += 1 }
        }
        #expect(identical > 0)  // the others differ in the order of tied measurements only
        let liveIDs = added.subtracting(deleted)
        #expect(Set(liveIDs.ids.compactMap { keysByID[$0] }) == live && liveIDs.count == live.count)
        #expect(liveIDs.ids.allSatisfy { keysByID[$0] != nil })

        // influxd 1.6 counts series exactly (its bitmaps) and measurements from the sketches
        // it merges from every file when it opens the index.
        server = try Influxd16(dir: dir)
        #expect(try server.cardinality("SHOW SERIES CARDINALITY") == liveIDs.count)
        #expect(try server.cardinality("SHOW MEASUREMENT CARDINALITY") == Int(names.count() - droppedNames.count()))
    }

    /// Pushes every partition's log past 1 KiB so that nothing stays outside index files: a
    /// series goes to partition xxh64(point key) & 7, and each entry takes ~10 bytes.
    fileprivate static func flushLogs(_ server: Influxd16, _ index: String, _ flushed: inout Int, _ all: inout Set<Key>, _ live: inout Set<Key>) throws {
        for _ in 0..<30 {
            let sizes = (0..<8).map { Influxd16.activeLogSize("\(index)/\($0)") }
            if sizes.allSatisfy({ $0 == 0 }) { break }
            var batch: [String] = []
            for (p, size) in sizes.enumerated() where size > 0 {
                var needed = max(1, (1024 - size) / 8 + 1)
                while needed > 0 {
                    flushed += 1
                    guard XXHash64.hash(IndexFileTests.b("flush,p=\(flushed)")) & 7 == UInt64(p) else { continue }
                    batch.append("flush,p=\(flushed) x=1 1000000000")
                    let key = [IndexFileTests.b("flush"), IndexFileTests.b("p"), IndexFileTests.b("\(flushed)")]
                    all.insert(key)
                    live.insert(key)
                    needed -= 1
                }
            }
            try server.write(batch[...])
            usleep(300_000)
        }
    }

    /// Names in order, and every measurement, key and value found again through its hash index.
    static func expectLookups(_ file: IndexFile, _ name: String) throws {
        let measurementNames = file.measurements.map { Array($0.name) }
        #expect(zip(measurementNames, measurementNames.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "\(name)")
        for m in file.measurements {
            #expect(try file.measurement(named: m.name)?.offset == m.offset, "\(name): \(m.name)")
            let tags = try file.tagBlock(of: m)
            for k in try tags.keys() {
                #expect(try tags.key(named: k.name)?.offset == k.offset, "\(name): \(m.name) \(k.name)")
                let values = try k.values()
                #expect(zip(values, values.dropFirst()).allSatisfy { Array($0.name).lexicographicallyPrecedes(Array($1.name)) })
                for v in values { #expect(try k.value(named: v.name)?.offset == v.offset, "\(name): \(m.name) \(k.name) \(v.name)") }
            }
        }
        #expect(try file.measurement(named: IndexFileTests.b("no such measurement")) == nil)
    }

    /// The writer reproduces the file, except where 1.6's own output depends on Go's map order:
    /// measurements sharing a home slot in the hash index may sit in either order.
    @discardableResult
    static func expectRoundTrip(_ bytes: [UInt8], _ file: IndexFile, _ name: String) throws -> Bool {
        let again = try IndexFileWriter.encode(file.content())
        #expect(again.count == bytes.count, "\(name)")
        guard again != bytes, again.count == bytes.count else { return again == bytes }
        let block = file.measurementBlock
        let dataStart = Int(file.trailer.measurementBlock.offset + block.trailer.data.offset)
        let slotsStart = Int(file.trailer.measurementBlock.offset + block.trailer.hashIndex.offset) + 8
        let slots = slotsStart..<slotsStart + 8 * block.hashCapacity
        #expect(bytes.indices.allSatisfy { bytes[$0] == again[$0] || slots.contains($0) }, "\(name) differs outside the measurement hash index")
        let other = try IndexFile(bytes: again)
        var namesByOffset: [UInt64: IndexBytesView] = [:]
        for m in file.measurements { namesByOffset[UInt64(m.offset - dataStart)] = m.name }
        func home(_ offset: UInt64?) -> Int64 {
            guard let offset, offset != 0, let n = namesByOffset[offset] else { return -1 }
            return IndexHashTable.hash(n) & Int64(block.hashCapacity - 1)
        }
        for i in 0..<block.hashCapacity { #expect(home(block.hashSlot(i)) == home(other.measurementBlock.hashSlot(i)), "\(name) slot \(i)") }
        return false
    }
}

fileprivate struct TestError: Error, CustomStringConvertible { let description: String }

/// influxd 1.6.7 on 127.0.0.1:18386 (HTTP) and :18388 (RPC), tsi1 with 1 KiB logs, with a
/// directory of its own; spoken to over plain sockets.
fileprivate struct Influxd16 {
    static let binary = "/usr/bin/influxd"
    let dir: String
    private let process = Process()
    private var stopped = false

    init(dir: String) throws {
        self.dir = dir
        if (try? Self.http("GET", "/ping")) != nil { throw TestError(description: "something already answers on 127.0.0.1:18386") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = """
            reporting-disabled = true
            bind-address = "127.0.0.1:18388"
            [meta]
              dir = "\(dir)/meta"
            [data]
              dir = "\(dir)/data"
              wal-dir = "\(dir)/wal"
              index-version = "tsi1"
              max-index-log-file-size = "1k"
              query-log-enabled = false
            [http]
              bind-address = "127.0.0.1:18386"
              log-enabled = false
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            [retention]
              enabled = false
            """
        try config.write(toFile: "\(dir)/influxdb.conf", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: "\(dir)/influxd.log", contents: nil)
        let log = FileHandle(forWritingAtPath: "\(dir)/influxd.log")
        _ = try log?.seekToEnd()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["-config", "\(dir)/influxdb.conf"]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        for _ in 0..<300 {
            if (try? Self.http("GET", "/ping"))?.status == 204 { return }
            usleep(100_000)
        }
        stop()
        throw TestError(description: "influxd did not answer /ping")
    }

    mutating func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }

    func query(_ q: String) throws -> [String: Any] {
        let form = "q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        let (status, body) = try Self.http("POST", "/query?db=db", body: Array(form.utf8), type: "application/x-www-form-urlencoded")
        let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
        let result = (json["results"] as? [[String: Any]])?.first ?? [:]
        guard status == 200, result["error"] == nil else { throw TestError(description: "\(q): \(status) \(String(decoding: body, as: UTF8.self))") }
        return result
    }

    func cardinality(_ q: String) throws -> Int {
        let series = try query(q)["series"] as? [[String: Any]]
        let values = series?.first?["values"] as? [[Any]]
        return (values?.first?.first as? NSNumber)?.intValue ?? -1
    }

    func write(_ lines: ArraySlice<String>) throws {
        let (status, body) = try Self.http("POST", "/write?db=db", body: Array(lines.joined(separator: "\n").utf8))
        guard status == 204 else { throw TestError(description: "write: \(status) \(String(decoding: body, as: UTF8.self))") }
    }

    /// `<data>/db/autogen/<shard>/index`: the partitions' directories are `0` … `7`.
    func shardIndexDirectory() throws -> String {
        let rp = "\(dir)/data/db/autogen"
        guard let shard = try FileManager.default.contentsOfDirectory(atPath: rp).first else { throw TestError(description: "no shard") }
        return "\(rp)/\(shard)/index"
    }

    /// The files a partition's MANIFEST lists, newest first.
    static func manifestFiles(_ partition: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(partition)/MANIFEST"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [String] ?? []
    }

    /// The size of a partition's active (first) log file.
    static func activeLogSize(_ partition: String) -> Int {
        guard let log = (try? manifestFiles(partition))?.first(where: { $0.hasSuffix(".tsl") }),
              let size = try? FileManager.default.attributesOfItem(atPath: "\(partition)/\(log)")[.size] as? NSNumber else { return 0 }
        return size.intValue
    }

    /// Waits until every partition lists one empty log and nothing has changed for 2 s.
    static func waitUntilStable(_ index: String) throws {
        var last = "", same = 0
        for _ in 0..<240 {
            var snapshot = ""
            for p in 0..<8 {
                let files = (try? manifestFiles("\(index)/\(p)")) ?? []
                let listing = ((try? FileManager.default.contentsOfDirectory(atPath: "\(index)/\(p)")) ?? []).sorted()
                snapshot += "\(p):\(files):\(listing):\(activeLogSize("\(index)/\(p)"));"
                if files.filter({ $0.hasSuffix(".tsl") }).count != 1 || activeLogSize("\(index)/\(p)") != 0 { snapshot += "busy" }
            }
            same = snapshot == last && !snapshot.contains("busy") ? same + 1 : 0
            if same >= 4 { return }
            last = snapshot
            usleep(500_000)
        }
        throw TestError(description: "the index partitions did not settle: \(last)")
    }

    /// One HTTP/1.0 exchange with influxd's HTTP port.
    static func http(_ method: String, _ target: String, body: [UInt8] = [], type: String = "text/plain") throws -> (status: Int, body: [UInt8]) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError(description: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(18386).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestError(description: "connect failed") }
        let head = "\(method) \(target) HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw TestError(description: "send failed") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response.prefix(12), as: UTF8.self)
        guard text.hasPrefix("HTTP/1."), let status = Int(text.dropFirst(9).prefix(3)) else { throw TestError(description: "bad response") }
        let separator: [UInt8] = [13, 10, 13, 10]
        let start = (0..<max(0, response.count - 3)).first { Array(response[$0..<$0 + 4]) == separator }.map { $0 + 4 } ?? response.count
        return (status, Array(response[start...]))
    }
}
