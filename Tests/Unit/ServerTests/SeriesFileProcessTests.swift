import Checksum
import Foundation
import SundialTestSupport
@testable import TSDB
import Testing

/// InfluxDB 1.x's series file (`<data>/<db>/_series`) read by `Sources/TSDB/SeriesFile` and
/// checked by `sundial-inspect verify-seriesfile`, on directories the real influxd 1.6.7
/// wrote (inmem and tsi1 indexes, series with escapes, DROP SERIES tombstones, and — past
/// 1.x's 131,072-series compaction threshold — on-disk index files), plus table tests of the
/// decoders on truncated and garbage bytes. The influxd tests run where Debian's `influxdb`
/// package is installed and `sundial-inspect` is built next to the tests.
@Suite(.serialized) struct SeriesFileProcessTests {
    static var withInfluxd: Bool { InspectProcessTests.built && InfluxdCrossCheckTests.available }

    // MARK: - Decoders

    @Test func xxhash64KnownValues() {
        #expect(XXHash64.hash(Array("".utf8)) == 0xef46_db37_51d8_e999)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44bc_2cf5_ad77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xfbce_a83c_8a37_8bf1)
    }

    @Test func keyRoundTrip() throws {
        let bytes = SeriesFileKey.encode(measurement: Array("cpu load".utf8),
                                         tags: [(Array("dc".utf8), Array("eu,1".utf8)), (Array("h=st".utf8), Array("a b".utf8))])
        #expect(bytes.first == UInt8(bytes.count - 1))
        let key = try bytes.withUnsafeBytes { try SeriesFileKey.decode($0, at: 0) }
        #expect(key.range == 0..<bytes.count)
        #expect(Array(bytes[key.measurement]) == Array("cpu load".utf8))
        #expect(key.tags.count == 2 && Array(bytes[key.tags[1].value]) == Array("a b".utf8))
        let escaped = bytes.withUnsafeBytes { key.escaped(in: $0) }
        #expect(String(decoding: escaped, as: UTF8.self) == "cpu\\ load,dc=eu\\,1,h\\=st=a\\ b")
    }

    static let badKeys: [(String, [UInt8])] = [
        ("empty", []),
        ("unterminated length", [0x80]),
        ("length overflow", [UInt8](repeating: 0xff, count: 11)),
        ("length past the end", [5, 0, 1]),
        ("no measurement length", [1, 0]),
        ("measurement past the key", [3, 0, 5, 0x61]),
        ("no tag count", [3, 0, 1, 0x61]),
        ("tag count past the key", [5, 0, 1, 0x61, 2, 0]),
        ("tag key past the key", [8, 0, 1, 0x61, 1, 0, 9, 0x62, 0]),
        ("tag value past the key", [10, 0, 1, 0x61, 1, 0, 1, 0x62, 0, 9, 0]),
        ("trailing bytes", [5, 0, 1, 0x61, 0, 0x7f]),
    ]

    @Test(arguments: badKeys.indices)
    func keyDecoderRejects(_ i: Int) {
        let (name, bytes) = Self.badKeys[i]
        #expect(throws: SeriesFileError.self, "\(name)") { try bytes.withUnsafeBytes { _ = try SeriesFileKey.decode($0, at: 0) } }
    }

    static let header: [UInt8] = Array("SSEG".utf8) + [1]
    static let goodKey = SeriesFileKey.encode(measurement: Array("m".utf8), tags: [(Array("t".utf8), Array("v".utf8))])
    static func entry(_ flag: UInt8, _ id: UInt64, _ key: [UInt8] = []) -> [UInt8] {
        [flag] + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64($0))) } + key
    }

    static let badSegments: [(String, [UInt8], SeriesFileError)] = [
        ("empty", [], .io("EOF")),
        ("short magic", Array("SS".utf8), .io("unexpected EOF")),
        ("wrong magic", Array("SIDX".utf8) + [1], .invalidSegment),
        ("no version", Array("SSEG".utf8), .io("EOF")),
        ("version 2", Array("SSEG".utf8) + [2], .invalidSegmentVersion(2)),
        ("truncated id", header + [1, 0, 0, 0], .truncated(what: "series entry id", offset: 6)),
        ("unknown flag", header + entry(1, 1, goodKey) + [7], .invalidFlag(7, offset: 5 + 9 + goodKey.count)),
        ("key past the end", header + entry(1, 1, [0x10, 0, 1]), .invalidKey(reason: "length 16 exceeds the 2 bytes that follow", offset: 14)),
        ("truncated tombstone", header + entry(1, 1, goodKey) + [2, 0, 0], .truncated(what: "series entry id", offset: 5 + 9 + goodKey.count + 1)),
    ]

    @Test(arguments: badSegments.indices)
    func segmentDecoderRejects(_ i: Int) {
        let (name, bytes, expected) = Self.badSegments[i]
        #expect(throws: expected, "\(name)") { _ = try SeriesSegment(id: 0, data: bytes).entries() }
    }

    @Test func segmentDecoderReadsEntries() throws {
        let data = Self.header + Self.entry(1, 1, Self.goodKey) + Self.entry(1, 9, Self.goodKey) + Self.entry(2, 1) + [0, 0, 0, 0]
        let entries = try SeriesSegment(id: 0, data: data).entries()
        #expect(entries.map(\.id) == [1, 9, 1])
        #expect(entries.map(\.kind) == [.insert, .insert, .tombstone])
        #expect(entries[1].position == 5 + 9 + Self.goodKey.count)
        #expect(SeriesSegment.parseFileName("0001") == 1 && SeriesSegment.parseFileName("index") == nil)
    }

    /// A hand-built index of one series in a map of 8 slots.
    static func smallIndex(capacity: Int64 = 8, mutate: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        let offset = SeriesFileOffset.join(segment: 0, position: 5)
        var header = SeriesFileIndexHeader(maxSeriesID: 1, maxOffset: offset, count: 1, capacity: capacity)
        var data = header.bytes + [UInt8](repeating: 0, count: Int(capacity) * 32)
        func put(_ at: Int, _ v: UInt64) { for i in 0..<8 { data[at + i] = UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64(i))) } }
        let keySlot = Int(goodKey.withUnsafeBytes { SeriesFileHash.key($0) } & (capacity - 1))
        put(69 + keySlot * 16, UInt64(offset))
        put(69 + keySlot * 16 + 8, 1)
        let idSlot = Int(SeriesFileHash.id(1) & (capacity - 1))
        put(Int(header.idOffsetMap.offset) + idSlot * 16, 1)
        put(Int(header.idOffsetMap.offset) + idSlot * 16 + 8, UInt64(offset))
        header.count = 1
        mutate(&data)
        return data
    }

    @Test func indexLookups() throws {
        let index = try SeriesFileIndex(data: Self.smallIndex())
        let segment = try SeriesSegment(id: 0, data: Self.header + Self.entry(1, 1, Self.goodKey))
        #expect(index.header.count == 1 && index.capacity == 8)
        #expect(index.offset(forID: 1) == 5)
        #expect(index.offset(forID: 2) == 0)
        let partition = SeriesFilePartition(path: "/nowhere", segments: [segment], index: index)
        let found = Self.goodKey.withUnsafeBytes { index.id(forKey: $0) { partition.key(atOffset: $0) } }
        #expect(found == 1)
        let other = SeriesFileKey.encode(measurement: Array("n".utf8), tags: [])
        #expect(other.withUnsafeBytes { index.id(forKey: $0) { partition.key(atOffset: $0) } } == 0)
        let lookup = partition.lookup()
        #expect(lookup.id(forKey: Self.goodKey) == 1 && !lookup.isDeleted(1) && lookup.isDeleted(9))
    }

    static let badIndexes: [(String, [UInt8])] = [
        ("empty", []),
        ("short header", Array(smallIndex().prefix(40))),
        ("wrong magic", smallIndex { $0[0] = UInt8(ascii: "X") }),
        ("version 3", smallIndex { $0[4] = 3 }),
        ("capacity not a power of two", smallIndex { $0[36] = 7 }),
        ("capacity 0", smallIndex { $0[36] = 0 }),
        ("negative capacity", smallIndex { $0[29] = 0xff }),
        ("map past the file", Array(smallIndex().dropLast(16))),
        ("map offset inside the header", smallIndex { $0[44] = 8 }),
        ("map size overflow", smallIndex { $0[45] = 0x7f }),
    ]

    @Test(arguments: badIndexes.indices)
    func indexDecoderRejects(_ i: Int) {
        let (name, bytes) = Self.badIndexes[i]
        #expect(throws: SeriesFileError.self, "\(name)") { _ = try SeriesFileIndex(data: bytes) }
    }

    /// Random bytes behind valid and invalid magics: every decoder answers or throws, never traps.
    @Test func garbageNeverTraps() {
        var random = SeededRandom(seed: 21)
        for round in 0..<3000 {
            let length = Int(random.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % (round % 2 == 0 ? 4 : 256)) }
            if round % 3 == 0 { bytes = Self.header + bytes }
            if round % 3 == 1 {
                let capacity = Int64(1) << (random.next() % 4)
                var index = SeriesFileIndexHeader(maxSeriesID: random.next(), maxOffset: Int64(random.next() % 64), count: 3, capacity: capacity).bytes
                index += (0..<Int(capacity) * 32).map { _ in UInt8(truncatingIfNeeded: random.next() % 3) }
                if let parsed = try? SeriesFileIndex(data: index) {
                    let segment = try? SeriesSegment(id: 0, data: Self.header + bytes)
                    let partition = SeriesFilePartition(path: "/nowhere", segments: segment.map { [$0] } ?? [], index: parsed)
                    _ = parsed.offset(forID: random.next() % 4)
                    _ = bytes.withUnsafeBytes { b in parsed.id(forKey: b) { partition.key(atOffset: $0) } }
                    let lookup = partition.lookup()
                    _ = lookup.id(forKey: bytes)
                    _ = lookup.isDeleted(random.next() % 5)
                }
            }
            _ = try? SeriesSegment(id: 0, data: bytes).entries()
            _ = try? SeriesFileIndex(data: bytes)
            for at in 0..<min(bytes.count, 20) {
                _ = try? bytes.withUnsafeBytes { try SeriesFileKey.decode($0, at: at) }
            }
        }
    }

    // MARK: - influxd 1.6.7's series files

    /// Line protocol for series `i`: escapes in the measurement, tag keys and values.
    static func line(_ i: Int) -> String {
        let measurement = ["cpu\\ load", "disk\\,io", "mem"][i % 3]
        return "\(measurement),dc=eu\\,\(i % 5),host=h\\ \(i),ta\\=g=v\\=\(i % 2) value=1 1600000000000000000"
    }

    static func showSeries(_ server: InfluxdCrossCheckTests.Server, _ db: String) async throws -> Set<String> {
        let (status, body) = try await server.post("/query?db=\(db)", "SHOW SERIES", form: true)
        #expect(status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let series = ((json?["results"] as? [[String: Any]])?.first?["series"] as? [[String: Any]]) ?? []
        return Set(series.flatMap { ($0["values"] as? [[Any]] ?? []).compactMap { $0.first as? String } })
    }

    static func stop(_ server: InfluxdCrossCheckTests.Server) {
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
    }

    /// Sets the big-endian id of the entry at `position` in a segment file to `id`.
    static func patch(_ path: String, at position: Int, _ bytes: [UInt8]) throws {
        var data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for (i, b) in bytes.enumerated() { data[position + i] = b }
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    static func errorLines(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.contains("lvl=error") } }

    @Test(.enabled(if: withInfluxd), arguments: ["inmem", "tsi1"])
    func influxdSeriesFile(_ indexVersion: String) async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await InfluxdCrossCheckTests.Server.start(InfluxdCrossCheckTests.influxd, dir: dir, data: ["index-version = \"\(indexVersion)\""])
        defer { if server.process.isRunning { server.crash() } }
        #expect(try await server.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        let lines = (0..<3000).map(Self.line)
        for batch in stride(from: 0, to: lines.count, by: 1000) {
            #expect(try await server.post("/write?db=db0", lines[batch..<(batch + 1000)].joined(separator: "\n")).0 == 204)
        }
        let before = try await Self.showSeries(server, "db0")
        #expect(before.count == 3000)
        #expect(before.contains("cpu\\ load,dc=eu\\,0,host=h\\ 0,ta\\=g=v\\=0"))
        // mem series with dc "eu,1": i % 15 == 11, 200 of them.
        #expect(try await server.post("/query?db=db0", "DROP SERIES FROM mem WHERE dc = 'eu,1'", form: true).0 == 200)
        let after = try await Self.showSeries(server, "db0")
        #expect(after.count == 2800)
        Self.stop(server)

        // (a) The reader finds exactly influxd's series; the dropped ones are marked deleted.
        let data = dir.appendingPathComponent("data")
        let seriesPath = data.appendingPathComponent("db0/_series").path
        let reader = try SeriesFileReader.open(path: seriesPath)
        #expect(reader.partitions.map(\.name) == ["00", "01", "02", "03", "04", "05", "06", "07"])
        let all = try reader.series()
        #expect(all.count == 3000)
        #expect(Set(all.filter { !$0.deleted }.map(\.escapedKey)) == after)
        #expect(Set(all.filter(\.deleted).map(\.escapedKey)) == before.subtracting(after))
        for series in all {
            #expect(SeriesFileHash.partition(ofID: series.id) == series.partition)
            #expect(series.keyBytes.withUnsafeBytes { SeriesFileHash.partition(ofKey: $0) } == series.partition)
        }

        // (b) verify-seriesfile finds every file valid: silent by default, as 1.6.
        let quiet = try await InspectProcessTests.inspect(["verify-seriesfile", "-dir", data.path])
        #expect(quiet.status == 0 && quiet.err.isEmpty && quiet.out.isEmpty, "\(quiet.err)")
        let verbose = try await InspectProcessTests.inspect(["verify-seriesfile", "-dir", data.path, "-v"])
        #expect(verbose.status == 0)
        #expect(Self.errorLines(verbose.err).isEmpty, "\(verbose.err)")
        #expect(verbose.err.contains("lvl=info msg=\"Verifying series file\" log_id="))
        #expect(verbose.err.components(separatedBy: "msg=\"Verifying partition\"").count == 9)
        #expect(verbose.err.contains("msg=\"Verified series file\""))
        #expect(verbose.err.contains("path=\(seriesPath) valid=true\n"), "\(verbose.err)")

        // (c) A damaged copy: the second entry of partition 00's first segment gets an id
        // larger than the next one's, as 1.6 reports.
        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(atPath: seriesPath, toPath: copy.path)
        let segmentPath = copy.appendingPathComponent("00/0000").path
        let entries = try SeriesSegment.read(path: segmentPath, id: 0).entries()
        #expect(entries.count >= 3)
        try Self.patch(segmentPath, at: entries[1].position + 1, [0x01])
        let damaged = try await InspectProcessTests.inspect(["verify-seriesfile", "-series-file", copy.path])
        #expect(damaged.status == 0)
        let errors = Self.errorLines(damaged.err)
        #expect(errors.count == 1, "\(damaged.err)")
        #expect(errors.first?.contains("msg=\"ID is not monotonically increasing\"") == true)
        #expect(errors.first?.contains("partition=00 segment=0000 prev_id=\(entries[1].id | 1 << 56) id=\(entries[2].id) offset=\(entries[2].position)") == true,
                "\(damaged.err)")
        #expect(throws: Never.self) { _ = try SeriesFileReader.open(path: copy.path) }

        // A key byte damaged: the length of the measurement now runs past the key.
        try FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(atPath: seriesPath, toPath: copy.path)
        try Self.patch(segmentPath, at: entries[0].key.lowerBound + 1, [0x7f])
        let badKey = try await InspectProcessTests.inspect(["verify-seriesfile", "-series-file", copy.path])
        #expect(Self.errorLines(badKey.err).count == 1)
        #expect(badKey.err.contains("lvl=error msg=\"Panic parsing key\""), "\(badKey.err)")
        #expect(throws: SeriesFileError.self) { _ = try SeriesFileReader.open(path: copy.path).series() }
    }

    /// Past 1.x's compaction threshold (131,072 series in a partition) every partition has an
    /// `index` file with both Robin Hood maps; series dropped after the compaction leave
    /// tombstones the maps do not know. The reader's lookups agree with the segments, and a
    /// damaged slot or header count is reported.
    @Test(.enabled(if: withInfluxd))
    func influxdSeriesIndex() async throws {
        let dir = try InspectProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await InfluxdCrossCheckTests.Server.start(
            InfluxdCrossCheckTests.influxd, dir: dir,
            data: ["index-version = \"tsi1\"", "max-series-per-database = 0", "max-values-per-tag = 0"])
        defer { if server.process.isRunning { server.crash() } }
        #expect(try await server.post("/query", "CREATE DATABASE big", form: true).0 == 200)
        let total = 1_100_000
        for batch in stride(from: 0, to: total, by: 20000) {
            let body = (batch..<min(total, batch + 20000)).map { "m\($0 % 7),host=h\\ \($0),dc=x\\,y v=1 1600000000000000000" }.joined(separator: "\n")
            #expect(try await server.post("/write?db=big", body).0 == 204)
        }
        let series = dir.appendingPathComponent("data/big/_series")
        func indexes() -> Int { (0..<8).filter { FileManager.default.fileExists(atPath: series.appendingPathComponent("0\($0)/index").path) }.count }
        for _ in 0..<600 where indexes() < 8 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(indexes() == 8)
        #expect(try await server.post("/query?db=big", "DROP SERIES FROM m3 WHERE host = 'h 3' OR host = 'h 10'", form: true).0 == 200)
        Self.stop(server)

        let reader = try SeriesFileReader.open(path: series.path)
        let all = try reader.series()
        #expect(all.count == total)
        #expect(Set(all.filter(\.deleted).map(\.escapedKey)) == ["m3,dc=x\\,y,host=h\\ 3", "m3,dc=x\\,y,host=h\\ 10"])
        var rebuilt = 0
        for (name, partition) in reader.partitions {
            let index = try #require(partition.index)
            #expect(index.header.count >= 131_072 && index.header.capacity == 262_144)
            // Sundial's compactor, given influxd's segments up to the same max offset, writes
            // influxd's index byte for byte (a partition without tombstones: the two series
            // dropped after the compaction are still in influxd's maps).
            let entries = try partition.entries()
            guard !entries.contains(where: { $0.entry.kind == .tombstone }) else { continue }
            var builder = SeriesIndexFileBuilder(count: index.header.count)
            for (offset, entry) in entries where entry.kind == .insert && offset <= index.header.maxOffset {
                guard let segment = partition.segment(id: SeriesFileOffset.split(offset).segment) else { continue }
                segment.data[entry.key].withUnsafeBytes { key in
                    builder.add(id: entry.id, offset: offset, key: key, live: true) { at in
                        (partition.key(atOffset: at) ?? []).withUnsafeBytes { SeriesFileHash.key($0) }
                    }
                }
            }
            #expect(builder.bytes == index.data, "partition \(name)")
            rebuilt += 1
        }
        #expect(rebuilt >= 6)

        let valid = try await InspectProcessTests.inspect(["verify-seriesfile", "-series-file", series.path, "-v"])
        #expect(valid.status == 0)
        #expect(Self.errorLines(valid.err).isEmpty, "\(valid.err)")
        #expect(valid.err.components(separatedBy: "msg=\"Verifying index\"").count == 9)
        #expect(valid.err.contains("msg=\"Verified series file\" log_id="))
        #expect(valid.err.hasSuffix("path=\(series.path) valid=true\n"))

        // A copy of two partitions: in 03 the first used slot of the id/offset map points 16
        // bytes further (1.x's "Index inconsistency" with got/expected offsets); in 05 the
        // header's count is one less (Sundial's header check).
        let copy = dir.appendingPathComponent("copy")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for p in ["03", "05"] { try FileManager.default.copyItem(at: series.appendingPathComponent(p), to: copy.appendingPathComponent(p)) }
        let index03 = try SeriesFileIndex.read(path: copy.appendingPathComponent("03/index").path)
        let deleted = Set(all.filter(\.deleted).map(\.id))
        let slot = try #require((0..<index03.capacity).first { index03.idOffsetSlot($0).id != 0 && !deleted.contains(index03.idOffsetSlot($0).id) })
        let (id, offset) = index03.idOffsetSlot(slot)
        let moved = offset + 16
        try Self.patch(copy.appendingPathComponent("03/index").path, at: Int(index03.header.idOffsetMap.offset) + slot * 16 + 8,
                       (0..<8).map { UInt8(truncatingIfNeeded: UInt64(moved) >> (56 - 8 * UInt64($0))) })
        let index05 = try SeriesFileIndex.read(path: copy.appendingPathComponent("05/index").path)
        let count = index05.header.count - 1
        try Self.patch(copy.appendingPathComponent("05/index").path, at: 21, (0..<8).map { UInt8(truncatingIfNeeded: count >> (56 - 8 * UInt64($0))) })
        let damaged = try await InspectProcessTests.inspect(["verify-seriesfile", "-series-file", copy.path, "-c", "2"])
        #expect(damaged.status == 0)
        let errors = Self.errorLines(damaged.err)
        #expect(errors.count == 2, "\(damaged.err)")
        #expect(errors.first?.contains("msg=\"Index inconsistency\"") == true)
        #expect(errors.first?.hasSuffix("partition=03 id=\(id) got_offset=\(moved) expected_offset=\(offset)") == true, "\(damaged.err)")
        #expect(errors.last?.hasSuffix("partition=05 got_count=\(count) expected_count=\(count + 1) max_offset=\(index05.header.maxOffset)") == true,
                "\(damaged.err)")
    }

    /// Flags as 1.6's: usage on -h, Go's error for a bad -c, a missing data directory.
    @Test(.enabled(if: InspectProcessTests.built))
    func commandLine() async throws {
        let help = try await InspectProcessTests.inspect(["verify-seriesfile", "-h"])
        #expect(help.status == 2 && help.out.hasPrefix("Verifies the integrity of Series files.\n\nUsage: sundial-inspect verify-seriesfile [flags]\n"))
        let bad = try await InspectProcessTests.inspect(["verify-seriesfile", "-c", "x"])
        #expect(bad.status == 2 && bad.out.hasPrefix("invalid value \"x\" for flag -c: strconv.ParseInt: parsing \"x\": invalid syntax\n"))
        let missing = try await InspectProcessTests.inspect(["verify-seriesfile", "-dir", "/nonexistent-sundial"])
        #expect(missing.status == 1 && missing.err == "verify-seriesfile: open /nonexistent-sundial: no such file or directory\n")
        let noSeries = try await InspectProcessTests.inspect(["verify-seriesfile", "-series-file", "/nonexistent-sundial/_series"])
        #expect(noSeries.status == 0 && noSeries.err.contains("lvl=error msg=\"Series file does not exist\" log_id="))
        #expect(noSeries.err.hasSuffix(" path=/nonexistent-sundial/_series\n"))
    }
}
