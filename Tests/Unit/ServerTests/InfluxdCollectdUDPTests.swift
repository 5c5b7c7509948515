import Collectd
import Foundation
import SundialTestSupport
import Testing

/// The collectd and UDP inputs side by side with the real influxd 1.6.7: the same packets
/// (from the real collectd 5.12, and hand-built edge cases) and the same line protocol
/// datagrams leave the same series, tags, times and values on both servers.
/// Runs where Debian's `influxdb` and `collectd-core` are installed (`./dev test` installs them).
@Suite(.serialized) struct InfluxdCollectdUDPTests {
    typealias Server = InfluxdCrossCheckTests.Server
    static let collectd = URL(fileURLWithPath: "/usr/sbin/collectd")
    static var collectdAvailable: Bool {
        InfluxdCrossCheckTests.available && FileManager.default.isExecutableFile(atPath: collectd.path)
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/perl")
    }

    /// Polls until both servers hold the same non-empty contents of `db` (the inputs write in
    /// batches), then returns both.
    static func settled(_ a: Server, _ b: Server, db: String) async throws -> (Set<String>, Set<String>) {
        var x = Set<String>(), y = Set<String>()
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(200))
            (x, y) = (try await a.contents(of: db), try await b.contents(of: db))
            if !x.isEmpty && x == y { break }
        }
        return (x, y)
    }

    static func directory() throws -> URL { try InfluxdServicesTests.directory() }

    /// Three `[[collectd]]` listeners (none/split, sign/join, encrypt/split) on each server.
    static func collectdSections(ports: [Int], dir: URL, typesDB: String = "/usr/share/collectd/types.db") -> String {
        let levels = [("plain", "none", "split"), ("signed", "sign", "join"), ("encrypted", "encrypt", "split")]
        return zip(ports, levels).map { port, level in
            """
            [[collectd]]
              enabled = true
              bind-address = "127.0.0.1:\(port)"
              database = "\(level.0)"
              security-level = "\(level.1)"
              parse-multivalue-plugin = "\(level.2)"
              auth-file = "\(dir.path)/auth"
              typesdb = "\(typesDB)"
              batch-timeout = "100ms"
            """
        }.joined(separator: "\n")
    }

    @Test(.enabled(if: collectdAvailable))
    func realCollectdPlainSignedAndEncrypted() async throws {
        let dirs = (try Self.directory(), try Self.directory(), try Self.directory())
        defer { for d in [dirs.0, dirs.1, dirs.2] { try? FileManager.default.removeItem(at: d) } }
        for d in [dirs.0, dirs.1] { try "alice: s3cret\n".write(to: d.appendingPathComponent("auth"), atomically: true, encoding: .utf8) }
        let influxPorts = (0..<3).map { _ in DaemonProcessTests.freePort() }
        let sundialPorts = (0..<3).map { _ in DaemonProcessTests.freePort() }
        let influxd = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dirs.0, extra: Self.collectdSections(ports: influxPorts, dir: dirs.0))
        defer { influxd.crash() }
        let sundial = try await Server.start(DaemonProcessTests.binary, dir: dirs.1, extra: Self.collectdSections(ports: sundialPorts, dir: dirs.1))
        defer { sundial.crash() }
        let security = ["", "SecurityLevel Sign\n    Username \"alice\"\n    Password \"s3cret\"",
                        "SecurityLevel Encrypt\n    Username \"alice\"\n    Password \"s3cret\""]
        let servers = (influxPorts + sundialPorts).enumerated().map { i, port in
            "  <Server \"127.0.0.1\" \"\(port)\">\n    \(security[i % 3])\n  </Server>"
        }.joined(separator: "\n")
        let config = dirs.2.appendingPathComponent("collectd.conf")
        try """
        Hostname "sundial-test"
        FQDNLookup false
        Interval 1
        BaseDir "\(dirs.2.path)"
        PIDFile "\(dirs.2.path)/collectd.pid"
        TypesDB "/usr/share/collectd/types.db"
        LoadPlugin cpu
        LoadPlugin load
        LoadPlugin memory
        LoadPlugin interface
        LoadPlugin network
        <Plugin interface>
          Interface "lo"
        </Plugin>
        <Plugin network>
        \(servers)
        </Plugin>

        """.write(to: config, atomically: true, encoding: .utf8)
        // Through perl, to clear the signal mask the test process would pass on (with SIGTERM
        // blocked, collectd could not be stopped gracefully).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        process.arguments = ["-MPOSIX", "-e", "sigprocmask(SIG_SETMASK, POSIX::SigSet->new); $SIG{TERM} = 'DEFAULT'; exec @ARGV",
                             Self.collectd.path, "-f", "-C", config.path]
        let log = dirs.2.appendingPathComponent("collectd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        try await Task.sleep(for: .seconds(4))
        process.terminate()  // collectd flushes its send buffer to every server on SIGTERM
        process.waitUntilExit()
        for db in ["plain", "signed", "encrypted"] {
            let (expected, got) = try await Self.settled(influxd, sundial, db: db)
            #expect(expected.count > 20, "\(db): influxd stored \(expected.count) values; collectd said \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            #expect(got == expected, "\(db): only influxd \(Array(expected.subtracting(got).prefix(5))), only sundial \(Array(got.subtracting(expected).prefix(5)))")
            let measurements = Set(expected.map { $0.prefix { $0 != "|" } })
            if db == "signed" {
                #expect(measurements.isSuperset(of: ["load", "memory", "interface"]), "\(measurements)")
            } else {
                #expect(measurements.isSuperset(of: ["load_shortterm", "memory_value", "interface_rx", "cpu_value"]), "\(measurements)")
            }
        }
    }

    /// Edge cases sent to both: an absolute value (rejects the packet in 1.x), NaN (dropped),
    /// a type types.db lacks or with the wrong value count (skipped), a counter for a gauge type
    /// (converted), no time part (Go's zero time), escapes in tags, a wrong signature, a signed
    /// packet at security-level none.
    @Test(.enabled(if: InfluxdCrossCheckTests.available))
    func handBuiltPacketsSideBySide() async throws {
        let dirs = (try Self.directory(), try Self.directory())
        defer { for d in [dirs.0, dirs.1] { try? FileManager.default.removeItem(at: d) } }
        let typesDB = dirs.0.appendingPathComponent("types.db").path
        try "gauge value:GAUGE:U:U\nload shortterm:GAUGE:0:U midterm:GAUGE:0:U longterm:GAUGE:0:U\nderive value:DERIVE:0:U\nabsolute value:ABSOLUTE:0:U\n"
            .write(toFile: typesDB, atomically: true, encoding: .utf8)
        for d in [dirs.0, dirs.1] { try "alice: s3cret\n".write(to: d.appendingPathComponent("auth"), atomically: true, encoding: .utf8) }
        let influxPorts = (0..<3).map { _ in DaemonProcessTests.freePort() }
        let sundialPorts = (0..<3).map { _ in DaemonProcessTests.freePort() }
        let influxd = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dirs.0,
                                             extra: Self.collectdSections(ports: influxPorts, dir: dirs.0, typesDB: typesDB))
        defer { influxd.crash() }
        let sundial = try await Server.start(DaemonProcessTests.binary, dir: dirs.1,
                                             extra: Self.collectdSections(ports: sundialPorts, dir: dirs.1, typesDB: typesDB))
        defer { sundial.crash() }
        let t: UInt64 = 1_700_000_000 << 30 | 123_456
        func packet(_ build: (inout PacketBuilder) -> Void) -> [UInt8] {
            var p = PacketBuilder()
            p.string(0, "host a,b=c")
            p.number(8, t)
            p.string(2, "plug")
            build(&p)
            return p.bytes
        }
        var packets: [[UInt8]] = [
            packet { $0.string(4, "gauge"); $0.string(5, "ok"); $0.values([.gauge(1.25)]) },
            packet { $0.string(4, "gauge"); $0.values([.gauge(.nan)]); $0.string(5, "after-nan"); $0.values([.gauge(2)]) },
            packet { $0.string(4, "gauge"); $0.string(5, "abs"); $0.values([.gauge(3)]); $0.part(6, [0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 9]) },
            packet { $0.string(4, "nosuch"); $0.values([.gauge(4)]); $0.string(4, "load"); $0.values([.gauge(5)]); $0.string(4, "gauge"); $0.string(5, "kept"); $0.values([.gauge(6)]) },
            packet { $0.string(4, "gauge"); $0.string(5, "counter"); $0.values([.counter(UInt64.max)]) },
            packet { $0.string(4, "derive"); $0.string(5, "fromgauge"); $0.values([.gauge(-7.9)]) },
            packet { $0.string(3, "inst"); $0.string(4, "load"); $0.values([.gauge(0.5), .gauge(0.25), .gauge(0.125)]) },
            packet { $0.string(4, "gauge"); $0.string(5, "trunc"); $0.values([.gauge(8)]); $0.bytes += [0, 0, 0] },
        ]
        var noTime = PacketBuilder()
        noTime.string(2, "notime")
        noTime.string(4, "gauge")
        noTime.values([.gauge(9)])
        packets.append(noTime.bytes)
        let signed = packet { $0.string(4, "gauge"); $0.string(5, "signed"); $0.values([.gauge(10)]) }
        let signedPacket = Self.sign(signed, password: "s3cret"), wrongPacket = Self.sign(signed, password: "wrong")
        let encryptedPacket = Self.encrypt(packet { $0.string(4, "gauge"); $0.string(5, "encrypted"); $0.values([.gauge(11)]) })
        for ports in [influxPorts, sundialPorts] {
            let plain = UDPSender(port: ports[0]), signedPort = UDPSender(port: ports[1]), encryptedPort = UDPSender(port: ports[2])
            for p in packets { plain.send(p) }
            plain.send(signedPacket)     // accepted at none (verified)
            plain.send(wrongPacket)      // rejected at none too
            plain.send(encryptedPacket)
            signedPort.send(packets[0])  // unsigned: ignored at sign
            signedPort.send(signedPacket)
            signedPort.send(encryptedPacket)
            encryptedPort.send(signedPacket)  // signed only: ignored at encrypt
            encryptedPort.send(encryptedPacket)
        }
        for db in ["plain", "signed", "encrypted"] {
            let (expected, got) = try await Self.settled(influxd, sundial, db: db)
            #expect(!expected.isEmpty, "\(db)")
            #expect(got == expected, "\(db): only influxd \(expected.subtracting(got)), only sundial \(got.subtracting(expected))")
        }
    }

    static func sign(_ packet: [UInt8], password: String) -> [UInt8] {
        PacketBuilder(bytes: packet).signed(user: "alice", password: password)
    }

    static func encrypt(_ packet: [UInt8]) -> [UInt8] {
        PacketBuilder(bytes: packet).encrypted(user: "alice", password: "s3cret", iv: Array(repeating: 7, count: 16))
    }

    /// The same datagrams to both servers' `[[udp]]` (precision s): good ones, one with a bad
    /// line (dropped whole), escapes, every field type; then the same SELECT results.
    @Test(.enabled(if: InfluxdCrossCheckTests.available))
    func udpLineProtocolSideBySide() async throws {
        let dirs = (try Self.directory(), try Self.directory())
        defer { for d in [dirs.0, dirs.1] { try? FileManager.default.removeItem(at: d) } }
        func section(_ port: Int) -> String {
            "[[udp]]\n  enabled = true\n  bind-address = \"127.0.0.1:\(port)\"\n  database = \"db0\"\n  precision = \"s\"\n  batch-timeout = \"100ms\"\n  batch-size = 100"
        }
        let ports = (DaemonProcessTests.freePort(), DaemonProcessTests.freePort())
        let influxd = try await Server.start(InfluxdCrossCheckTests.influxd, dir: dirs.0, extra: section(ports.0))
        defer { influxd.crash() }
        let sundial = try await Server.start(DaemonProcessTests.binary, dir: dirs.1, extra: section(ports.1))
        defer { sundial.crash() }
        var datagrams: [String] = []
        for i in 0..<200 {
            datagrams.append((0..<10).map { j in
                "cpu,host=h\(i % 7),dc=eu\\ west usage=\(Double(i * 10 + j) / 8),n=\(i * j)i,on=\(j % 2 == 0),msg=\"r \(i) \\\"q\\\"\" \(1_600_000_000 + i * 10 + j)"
            }.joined(separator: "\n"))
        }
        datagrams.append("good v=1 1600000000\nbad v= 1600000001\n")  // dropped whole, as 1.x does
        datagrams.append("# only a comment\n\nm\\,x,t\\=k=v\\ w f=1 1600000002")
        // Paced: a socket buffer holds ~200 KB, and a debug build reads slowly.
        let senders = (UDPSender(port: ports.0), UDPSender(port: ports.1))
        for d in datagrams {
            senders.0.send(Array(d.utf8))
            senders.1.send(Array(d.utf8))
            try await Task.sleep(for: .milliseconds(3))
        }
        let (expected, got) = try await Self.settled(influxd, sundial, db: "db0")
        #expect(expected.count == 200 * 10 * 4 + 1, "influxd stored \(expected.count)")
        #expect(got == expected, "sundial stored \(got.count); only influxd \(Array(expected.subtracting(got).prefix(5))), only sundial \(Array(got.subtracting(expected).prefix(5)))")
    }
}
