import Foundation
import Testing
import TSI

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The tsi1 log file (`L0-*.tsl`) and MANIFEST codecs of `Sources/TSI/Log`.
@Suite struct LogFileTests {
    private static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: Entries

    @Test(arguments: [
        // CRCs computed apart from the code (zlib's crc32 over the bytes before them).
        (LogEntry.seriesInsert(4), [0x00, 0x04, 0, 0, 0, 0x49, 0x40, 0x60, 0x4a]),
        (LogEntry.seriesTombstone(300), [0x01, 0xac, 0x02, 0, 0, 0, 0x65, 0x40, 0xc8, 0x1a]),
        (LogEntry.measurementTombstone(name: b("disk")), [0x02, 0, 4, 0x64, 0x69, 0x73, 0x6b, 0, 0, 0x06, 0xff, 0x6b, 0xf8]),
        (LogEntry.tagKeyTombstone(name: b("a"), key: b("b")), [0x04, 0, 1, 0x61, 1, 0x62, 0, 0x81, 0xd0, 0x21, 0xa9]),
        (LogEntry.seriesInsert(UInt64.max), [0x00] + [UInt8](repeating: 0xff, count: 9) + [0x01, 0, 0, 0, 0x4a, 0x1e, 0x8b, 0x02]),
    ] as [(LogEntry, [UInt8])])
    func encodesHandComputedBytes(entry: LogEntry, bytes: [UInt8]) throws {
        #expect(entry.encoded == bytes)
        #expect(entry.encodedSize == bytes.count)
        let (decoded, size) = try LogEntry.decode(bytes + [0xEE], at: 0)
        #expect(decoded == entry && size == bytes.count)
    }

    static let samples: [LogEntry] = [
        .seriesInsert(1), .seriesInsert(127), .seriesInsert(128), .seriesTombstone(1 << 35),
        .measurementTombstone(name: b("m x,y")), .tagKeyTombstone(name: b("m"), key: b("k=y")),
        .tagValueTombstone(name: b("m"), key: b("k"), value: Array(repeating: 0xC3, count: 300)),
        LogEntry(flag: 0x10, seriesID: 9, name: b("every"), key: b("field"), value: b("set")),
        LogEntry(flag: 0xFF),
    ]

    @Test(arguments: samples)
    func roundTripsAtAnOffset(entry: LogEntry) throws {
        let bytes = [0xAB, 0xCD] + entry.encoded
        let (decoded, size) = try LogEntry.decode(bytes, at: 2)
        #expect(decoded == entry && size == entry.encodedSize)
        #expect(decoded.kind == LogEntryKind(rawValue: entry.flag))
    }

    @Test func replaysAWholeFile() throws {
        let bytes = LogFileReplay.encode(Self.samples)
        let replay = try LogFileReplay(bytes)
        #expect(replay.entries == Self.samples && replay.isClean)
        #expect(replay.validLength == bytes.count && replay.fileLength == bytes.count)
        #expect(replay.offsets == Self.samples.indices.map { i in Self.samples[..<i].reduce(0) { $0 + $1.encodedSize } })
        let empty = try LogFileReplay([UInt8]())
        #expect(empty.entries.isEmpty && empty.validLength == 0 && empty.isClean)
    }

    /// Every cut of a valid entry is a short buffer at the right field; replay keeps the
    /// entries before it and stops.
    @Test func everyTruncationStopsReplay() throws {
        let first = LogEntry.seriesInsert(200).encoded
        let entry = LogEntry.tagValueTombstone(name: Self.b("mm"), key: Self.b("kk"), value: Self.b("vv"))
        let whole = entry.encoded  // 08 00 02 mm 02 kk 02 vv crc
        let fields: [LogEntryField] = [.seriesID, .nameLength, .name, .name, .keyLength, .key, .key,
                                       .valueLength, .value, .value, .checksum, .checksum, .checksum, .checksum]
        for cut in 1..<whole.count {
            #expect(throws: LogFileError.truncated(fields[cut - 1], offset: [1, 2, 3, 3, 5, 6, 6, 8, 9, 9, 11, 11, 11, 11][cut - 1])) {
                try LogEntry.decode(Array(whole[..<cut]), at: 0)
            }
            let replay = try LogFileReplay(first + whole[..<cut])
            #expect(replay.entries == [.seriesInsert(200)] && replay.validLength == first.count && replay.stop?.endsReplay == true)
        }
        #expect(throws: LogFileError.truncated(.flag, offset: 0)) { try LogEntry.decode([UInt8](), at: 0) }
        #expect(throws: LogFileError.truncated(.flag, offset: 0)) { try LogEntry.decode([1], at: -4) }
    }

    /// Damage after one good entry (`00 01 00 00 00` + CRC): the error `decode` reports at
    /// offset 9, and whether replay stops there (true) or fails to open the file (false).
    @Test(arguments: [
        ([0x00, 0x02, 0, 0, 0, 0, 0, 0, 0], LogFileError.checksumMismatch(offset: 9, stored: 0, computed: 0x6c2b_3f96), true),
        ([UInt8](repeating: 0, count: 40), .checksumMismatch(offset: 9, stored: 0, computed: 0xc622_f71d), true),
        ([0x02, 0, 9, 0x61], .truncated(.name, offset: 12), true),
        ([0x00] + [UInt8](repeating: 0x80, count: 10), .truncated(.seriesID, offset: 10), true),
        ([0x00] + [UInt8](repeating: 0x80, count: 10) + [0x00], .varintOverflow(.seriesID, offset: 10, returned: -11), false),
        // Go 1.19 (Debian's influxd) stops at an 11th byte even at the end; Go 1.10 said "short".
        ([0x00] + [UInt8](repeating: 0x80, count: 11), .varintOverflow(.seriesID, offset: 10, returned: -11), false),
        ([0x00] + [UInt8](repeating: 0xff, count: 9) + [0x02], .varintOverflow(.seriesID, offset: 10, returned: -10), false),
        ([0x02, 0x00] + [UInt8](repeating: 0xff, count: 9) + [0x01, 0x61], .lengthOutOfRange(.nameLength, offset: 11, length: UInt64.max), false),
        ([0x02, 0x00] + [UInt8](repeating: 0x80, count: 9) + [0x01], .lengthOutOfRange(.nameLength, offset: 11, length: 1 << 63), false),
        ([0x02, 0x00, 0x00, 0xf7] + [UInt8](repeating: 0xff, count: 7) + [0x7f, 0x61],
         .lengthOutOfRange(.keyLength, offset: 12, length: UInt64(Int.max) - 8), false),
        ([0x02, 0x00, 0x00, 0xf6] + [UInt8](repeating: 0xff, count: 7) + [0x7f, 0x61],
         .truncated(.key, offset: 21), true),
    ] as [([UInt8], LogFileError, Bool)])
    func rejectsDamage(tail: [UInt8], error: LogFileError, endsReplay: Bool) throws {
        let good = LogEntry.seriesInsert(1).encoded
        #expect(throws: error) { try LogEntry.decode(good + tail, at: good.count) }
        #expect(error.endsReplay == endsReplay)
        if endsReplay {
            let replay = try LogFileReplay(good + tail)
            #expect(replay.entries == [.seriesInsert(1)] && replay.validLength == 9 && replay.fileLength == 9 + tail.count)
            #expect(replay.stop == error)
        } else {
            #expect(throws: error) { try LogFileReplay(good + tail) }
        }
    }

    @Test(arguments: 0..<13)
    func flippedBitsFailTheChecksum(at index: Int) throws {
        var bytes = LogEntry.measurementTombstone(name: Self.b("disk")).encoded
        bytes[index] ^= 0x10
        // A flip in a length makes the entry longer or shorter than the bytes: short buffer.
        #expect(throws: (any Error).self) { try LogEntry.decode(bytes, at: 0) }
        #expect(try LogFileReplay(bytes).entries.isEmpty)
    }

    // MARK: MANIFEST

    static let newPartitionManifest = """
        {
          "levels": [
            {},
        \((1...7).map { l in "    {\n      \"m\": \(UInt64(1) << [25, 25, 26, 27, 28, 29, 30][l - 1]),\n      \"k\": 6\n    }" }
            .joined(separator: ",\n"))
          ],
          "files": [
            "L0-00000001.tsl"
          ],
          "version": 1
        }

        """

    @Test func encodesManifestsAsGoDoes() throws {
        let manifest = Manifest(files: [ManifestFileName.log(id: 1)])
        #expect(manifest.encoded() == Self.b(Self.newPartitionManifest))
        #expect(try Manifest(json: manifest.encoded()) == manifest)
        #expect(Manifest(levels: [], files: [], version: 0).encoded() == Self.b("{}\n"))
        let odd = Manifest(levels: [ManifestLevel(m: 0, k: 3)], files: ["a<b>&\"\\\n\t\u{1}\u{2028}é"], version: -2)
        let text = "{\n  \"levels\": [\n    {\n      \"k\": 3\n    }\n  ],\n  \"files\": [\n"
            + "    \"a\\u003cb\\u003e\\u0026\\\"\\\\\\n\\t\\u0001\\u2028é\"\n  ],\n  \"version\": -2\n}\n"
        #expect(odd.encoded() == Self.b(text))
        #expect(try Manifest(json: odd.encoded()) == odd)
    }

    @Test(arguments: [
        ("null", Manifest(levels: [], files: [], version: 0)),
        (" {\"VERSION\":1,\"Files\":[\"x\",null],\"other\":[{\"a\":[1,{}]},-0.5e+3,true]}\r\n", Manifest(levels: [], files: ["x", ""])),
        ("{\"levels\":[{\"M\":5,\"K\":2},null,{}],\"Version\":1}",
         Manifest(levels: [ManifestLevel(m: 5, k: 2), ManifestLevel(m: 0, k: 0), ManifestLevel(m: 0, k: 0)], files: [])),
        ("{\"files\":[\"a\"],\"files\":null,\"levels\":[]}", Manifest(levels: [], files: [], version: 0)),
        (#"{"files":["\u00e9\ud83d\ude00x\/\b"],"version":1}"#, Manifest(levels: [], files: ["é😀x/\u{8}"])),
        ("{\"\\u0066iles\":[\"L1-00000002.tsi\"],\"version\":9223372036854775807,\"levels\":[{\"m\":18446744073709551615}]}",
         Manifest(levels: [ManifestLevel(m: UInt64.max, k: 0)], files: ["L1-00000002.tsi"], version: Int.max)),
    ] as [(String, Manifest)])
    func decodesWhatGoAccepts(json: String, manifest: Manifest) throws {
        #expect(try Manifest(json: Self.b(json)) == manifest)
    }

    @Test(arguments: [
        "", " ", "{", "{\"version\":1", "{\"version\":1}x", "{\"version\":01}", "{\"version\":1.}", "{\"version\":-}",
        "{\"files\":[\"a\u{1}\"]}", "{\"files\":[\"\\x\"]}", "{\"files\":[\"\\u12g4\"]}", "{\"files\":[\"a\\", "{\"levels\":[,]}",
        "{version:1}", "{\"version\" 1}", "{\"version\":tru}", "[1 2]",
    ])
    func rejectsBadSyntax(json: String) {
        #expect {
            try Manifest(json: Self.b(json))
        } throws: { error in
            guard case .syntax = error as? ManifestError else { return false }
            return true
        }
    }

    @Test(arguments: [
        "{\"levels\":{}}", "{\"levels\":[1]}", "{\"levels\":[{\"m\":-1}]}", "{\"levels\":[{\"k\":1.5}]}",
        "{\"levels\":[{\"m\":18446744073709551616}]}", "{\"version\":\"1\"}", "{\"version\":9223372036854775808}",
        "{\"version\":1e0}", "{\"files\":[1]}", "{\"files\":\"L0-00000001.tsl\"}", "[]", "\"MANIFEST\"", "true",
    ])
    func rejectsValuesOfTheWrongType(json: String) {
        #expect {
            try Manifest(json: Self.b(json))
        } throws: { error in
            guard case .type = error as? ManifestError else { return false }
            return true
        }
    }

    @Test func validatesTheVersionAndReadsFiles() throws {
        try Manifest(json: Self.b("{\"version\":1}")).validate()
        for version in [0, 2, -1] {
            #expect(throws: ManifestError.incompatibleVersion(version)) { try Manifest(levels: [], version: version).validate() }
        }
        #expect(try Manifest.read(path: "/nonexistent-\(UUID())/MANIFEST") == nil)
        #expect(throws: ManifestError.io("read /tmp: is a directory")) { try Manifest.read(path: "/tmp") }
        #expect(throws: LogFileError.self) { try LogFileReplay.read(path: "/nonexistent-\(UUID()).tsl") }
    }

    // MARK: Names

    @Test func formatsFileNames() {
        #expect(ManifestFileName.log(id: 1) == "L0-00000001.tsl")
        #expect(ManifestFileName.index(id: 123_456_789, level: 3) == "L3-123456789.tsi")
        #expect(ManifestFileName.log(id: -1) == "L0--0000001.tsl")
        #expect(ManifestFileName.kind("L0-00000001.tsl") == .log && ManifestFileName.kind("L1-00000001.tsi") == .index)
        #expect(ManifestFileName.kind("L1-00000001.tsi.compacting") == nil && ManifestFileName.kind("MANIFEST") == nil)
        #expect((0..<ManifestPartitions.count).map(ManifestPartitions.directoryName) == ["0", "1", "2", "3", "4", "5", "6", "7"])
    }

    @Test(arguments: [
        ("L0-00000001.tsl", 1, 0), ("/data/db/rp/1/index/3/L1-00000002.tsi", 2, 1), ("L2-3.x", 3, 2), ("dir/L0-7.tsl/", 7, 0),
        ("L0-00000001.tsi.compacting", 1, 0), ("L0-99999999999999999999.tsl", Int.max, 0), ("L12-0.a.b", 0, 12),
        ("L0-1.", nil, nil), ("L-1.tsl", nil, nil), ("l0-1.tsl", nil, nil), ("L0-1tsl", nil, nil), ("L0-1.ts\nl", nil, nil),
        ("L0-+1.tsl", nil, nil), ("L0-١.tsl", nil, nil), ("MANIFEST", nil, nil), ("", nil, nil), ("xL0-1.tsl", nil, nil),
    ] as [(String, Int?, Int?)])
    func parsesFileNamesAs16Does(name: String, id: Int?, level: Int?) {
        let parsed = ManifestFileName.parse(name)
        #expect(parsed?.id == id && parsed?.level == level)
    }

    // MARK: The real influxd 1.6.7

    private static func partition(_ key: String) -> Int { ManifestPartitions.partition(ofKey: b(key)) }

    /// influxd 1.6.7 writes series with escapes, drops a series and two measurements, and
    /// stops on SIGTERM; every log and MANIFEST it leaves decodes and re-encodes to its bytes.
    /// Then a damaged tail: influxd replays up to it and writes its next entry over it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: LocalInfluxd.binary)))
    func decodesWhatInfluxd16Wrote() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tsi-log-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var server = try await LocalInfluxd.start(dir: dir)
        defer { server.kill() }
        #expect(try await server.query("CREATE DATABASE db0") == 200)
        // Keys as the write path holds them (escaped, tags sorted): they pick the partitions.
        let keys = [#"cpu,host=a\ b,region=e\,u"#, "cpu,host=c", #"m\ x\,y,k\=y=v\=z"#, "disk,dev=sda", #"uni,t\ é=ü\ 1"#]
            + (0..<200).map { "bulk,n=\($0)" }
        #expect(try await server.post("/write?db=db0", keys.map { "\($0) v=1 1000000000" }.joined(separator: "\n")) == 204)
        for q in ["DROP SERIES FROM cpu WHERE host = 'c'", "DROP MEASUREMENT disk", #"DELETE FROM "m x,y""#] {
            #expect(try await server.query(q) == 200)
        }
        try await server.stop()

        let shards = dir.appendingPathComponent("data/db0/autogen")
        let shard = try #require(try FileManager.default.contentsOfDirectory(atPath: shards.path).first)
        let index = shards.appendingPathComponent(shard).appendingPathComponent(ManifestPartitions.indexDirectoryName)
        #expect(try FileManager.default.contentsOfDirectory(atPath: index.path).sorted() == ["0", "1", "2", "3", "4", "5", "6", "7"])
        var logs: [[LogEntry]] = []
        for p in 0..<ManifestPartitions.count {
            let partition = index.appendingPathComponent(ManifestPartitions.directoryName(p))
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: partition.path)) == [Manifest.fileName, "L0-00000001.tsl"])
            let manifestBytes = [UInt8](try Data(contentsOf: partition.appendingPathComponent(Manifest.fileName)))
            let manifest = try #require(try Manifest.read(path: partition.appendingPathComponent(Manifest.fileName).path))
            #expect(manifest == Manifest(files: [ManifestFileName.log(id: 1)]) && manifest.encoded() == manifestBytes)
            try manifest.validate()
            let bytes = [UInt8](try Data(contentsOf: partition.appendingPathComponent(ManifestFileName.log(id: 1))))
            let replay = try LogFileReplay(bytes)
            #expect(replay.isClean && LogFileReplay.encode(replay.entries) == bytes)
            for (entry, offset) in zip(replay.entries, replay.offsets) {
                #expect(try LogEntry.decode(bytes, at: offset) == (entry, entry.encodedSize))
            }
            logs.append(replay.entries)
        }
        let all = logs.joined()
        #expect(all.allSatisfy { $0.kind != nil } && all.contains { $0.seriesID > 127 })
        // Each series is inserted in the partition its key hashes to.
        #expect(logs.map { $0.filter { $0.kind == .seriesInsert }.count } == (0..<8).map { p in keys.filter { Self.partition($0) == p }.count })
        // A dropped series: a tombstone, next to its insert.
        let dropped = ["cpu,host=c", "disk,dev=sda", #"m\ x\,y,k\=y=v\=z"#].map(Self.partition).sorted()
        #expect(logs.indices.flatMap { p in logs[p].filter { $0.kind == .seriesTombstone }.map { _ in p } } == dropped)
        #expect(logs.allSatisfy { log in log.filter { $0.kind == .seriesTombstone }.allSatisfy { log.contains(.seriesInsert($0.seriesID)) } })
        // A dropped measurement: a tombstone in every partition (raw name), its tags' in its series' partition.
        #expect(logs.allSatisfy { $0.filter { $0.kind == .measurementTombstone } == [.measurementTombstone(name: Self.b("disk")), .measurementTombstone(name: Self.b("m x,y"))] })
        let disk = logs[Self.partition("disk,dev=sda")], mx = logs[Self.partition(#"m\ x\,y,k\=y=v\=z"#)]
        #expect(disk.contains(.tagKeyTombstone(name: Self.b("disk"), key: Self.b("dev"))))
        #expect(disk.contains(.tagValueTombstone(name: Self.b("disk"), key: Self.b("dev"), value: Self.b("sda"))))
        #expect(mx.contains(.tagKeyTombstone(name: Self.b("m x,y"), key: Self.b("k=y"))))
        #expect(mx.contains(.tagValueTombstone(name: Self.b("m x,y"), key: Self.b("k=y"), value: Self.b("v=z"))))
        #expect(all.filter { $0.kind == .tagKeyTombstone || $0.kind == .tagValueTombstone }.count == 4)

        // 40 zero bytes after the last entry: a checksum mismatch, so replay ends there.
        let p = Self.partition("tail,n=1")
        let log = index.appendingPathComponent("\(p)/L0-00000001.tsl")
        let before = [UInt8](try Data(contentsOf: log)), zeros = [UInt8](repeating: 0, count: 40)
        try Data(before + zeros).write(to: log)
        #expect(try LogFileReplay(before + zeros).stop == .checksumMismatch(offset: before.count, stored: 0, computed: 0xc622_f71d))
        server = try await LocalInfluxd.start(dir: dir)
        #expect(try await server.post("/write?db=db0", "tail,n=1 v=1 1000000000") == 204)
        try await server.stop()
        // Not truncated: the new insert overwrote the first zeros, the rest are still there.
        let after = [UInt8](try Data(contentsOf: log))
        let replay = try LogFileReplay(after)
        let added = try #require(replay.entries.last)
        #expect(Array(replay.entries.dropLast()) == logs[p] && added.kind == .seriesInsert)
        #expect(replay.validLength == before.count + added.encodedSize && after.count == before.count + zeros.count)
        #expect(Array(after[replay.validLength...]) == Array(zeros[added.encodedSize...]) && replay.stop?.endsReplay == true)
    }
}

/// influxd 1.6.7 on a temporary directory, HTTP on 127.0.0.1:18286 (the only ports it uses).
private struct LocalInfluxd {
    static let binary = "/usr/bin/influxd"
    let process: Process

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func start(dir: URL) async throws -> LocalInfluxd {
        if (try? await request("/ping", nil)) != nil { throw Failure(description: "127.0.0.1:18286 is already in use") }
        let config = dir.appendingPathComponent("influxdb.conf"), stderr = dir.appendingPathComponent("influxd.log")
        try """
            reporting-disabled = true
            bind-address = "127.0.0.1:18288"
            [meta]
              dir = "\(dir.path)/meta"
            [data]
              dir = "\(dir.path)/data"
              wal-dir = "\(dir.path)/wal"
              index-version = "tsi1"
              query-log-enabled = false
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:18286"
              log-enabled = false
            [logging]
              level = "error"
            """.write(to: config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "-config", config.path]
        // 1.6 deletes files missing from a MANIFEST by base name from its working directory.
        process.currentDirectoryURL = dir
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        let server = LocalInfluxd(process: process)
        for _ in 0..<300 where process.isRunning {
            if (try? await request("/ping", nil))?.status == 204 { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.kill()
        throw Failure(description: "influxd did not answer /ping: \(((try? String(contentsOf: stderr, encoding: .utf8)) ?? "").suffix(2000))")
    }

    /// SIGTERM, then waits (a minute at most) for influxd's clean shutdown.
    func stop() async throws {
        process.terminate()
        for _ in 0..<600 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { throw Failure(description: "influxd did not stop on SIGTERM") }
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// A statement through `/query?db=db0`: its status, once no result reports an error.
    func query(_ statement: String) async throws -> Int {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let (status, body) = try await Self.request("/query?db=db0", ("q=" + (statement.addingPercentEncoding(withAllowedCharacters: plain) ?? ""), true))
        if body.contains("\"error\"") { throw Failure(description: "\(statement): \(body)") }
        return status
    }

    func post(_ target: String, _ body: String) async throws -> Int { try await Self.request(target, (body, false)).status }

    /// A GET (`post` nil) or a POST of a form or of plain text.
    private static func request(_ target: String, _ post: (body: String, form: Bool)?) async throws -> (status: Int, body: String) {
        guard let url = URL(string: "http://127.0.0.1:18286" + target) else { throw Failure(description: "bad URL \(target)") }
        var request = URLRequest(url: url)
        if let post {
            request.httpMethod = "POST"
            request.httpBody = Data(post.body.utf8)
            request.setValue(post.form ? "application/x-www-form-urlencoded" : "text/plain", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
