import Foundation
import SundialTestSupport
import Testing

/// A TSM file large enough to get a key-offsets file (`<name>.tsm.offsets`, Spec/engine.md):
/// influxd 1.6.7 opens Sundial's directory with it beside the file and reads every point, and
/// Sundial, opening the directory again, maps it and reads the same.
@Suite struct KeyOffsetsCrossCheckTests {
    typealias Server = InfluxdCrossCheckTests.Server

    @Test(.enabled(if: InfluxdCrossCheckTests.available))
    func influxdOpensADirectoryWithKeyOffsetsFiles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-offsets-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // 6,600 series × 10 fields: 66,000 keys, past the 65,536 that get a key-offsets file,
        // snapshotted whole once the shard is cold for a second.
        let time: Int64 = 1_600_000_000_000_000_000
        let lines = (0..<6600).map { h in
            "cpu,host=h\(h) " + (0..<10).map { "f\($0)=\(h * 10 + $0)i" }.joined(separator: ",") + " \(time)"
        }
        let sundial = try await Server.start(DaemonProcessTests.binary, dir: dir, data: ["cache-snapshot-write-cold-duration = \"1s\""],
                                             snapshotSize: 64 << 20)
        defer { if sundial.process.isRunning { sundial.crash() } }
        #expect(try await sundial.post("/query", "CREATE DATABASE db0", form: true).0 == 200)
        // One request: a slow machine must not snapshot a first part alone (cold after 1 s).
        #expect(try await sundial.post("/write?db=db0", lines.joined(separator: "\n")).0 == 204)
        func offsetsFiles() throws -> [String] {
            try FileManager.default.subpathsOfDirectory(atPath: dir.appendingPathComponent("data").path).filter { $0.hasSuffix(".tsm.offsets") }
        }
        for _ in 0..<600 where try offsetsFiles().isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try offsetsFiles().count == 1)
        let written = try await sundial.contents()
        #expect(written.count == 66_000)
        #expect(written.contains("cpu|host=h4321|\(time)|f3=n:43213.0"))
        sundial.crash()

        let influxd = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dir)
        let read = try await influxd.contents()
        influxd.crash()
        #expect(read == written)

        let again = try await Server.start(DaemonProcessTests.binary, dir: dir)
        defer { again.crash() }
        #expect(try await again.contents() == written)
        // At least the one written first: influxd may also have replayed the WAL (the kill can
        // come before the snapshot's segments are removed) into a file of its own.
        #expect(try !offsetsFiles().isEmpty)
    }
}
