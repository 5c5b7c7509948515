import HTTPD
import Foundation
import Testing
@testable import Server

@Suite struct ConfigLoadTests {
    /// Every section of influxdb.conf, with values that differ from the defaults.
    static let fullFile = """
        reporting-disabled = true
        bind-address = "127.0.0.1:9999"

        [meta]
          dir = "/srv/meta"
          retention-autocreate = false
          logging-enabled = false

        [data]
          dir = "/srv/data"
          wal-dir = "/srv/wal"
          wal-fsync-delay = "100ms"
          index-version = "tsi1"
          cache-max-memory-size = "2g"
          cache-snapshot-memory-size = 1048576
          cache-snapshot-write-cold-duration = "5m"
          max-series-per-database = 0

        [coordinator]
          write-timeout = "20s"
          max-select-point = 5

        [retention]
          check-interval = "1h"

        [shard-precreation]
          advance-period = "1h"

        [monitor]
          store-enabled = false

        [http]
          bind-address = "127.0.0.1:18086"
          auth-enabled = true
          max-body-size = 100
          access-log-status-filters = ["4xx", "5xx"]

        [http.headers]
          X-Custom = "yes"

        [ifql]
          enabled = false

        [logging]
          level = "debug"

        [subscriber]
          write-concurrency = 4

        [[graphite]]
          enabled = true
          templates = ["cpu.* measurement.field", "host.measurement*"]

        [[graphite]]
          bind-address = ":2004"

        [[collectd]]
          typesdb = "/tmp/types.db"

        [[opentsdb]]
          batch-size = 10

        [[udp]]
          precision = "s"

        [continuous_queries]
          run-interval = "10s"

        [tls]
          min-version = "tls1.2"
        """

    @Test func loadsEverySection() throws {
        let c = try Config(toml: Self.fullFile)
        #expect(c.reportingDisabled && c.bindAddress == "127.0.0.1:9999")
        #expect(c.meta.dir == "/srv/meta" && !c.meta.retentionAutocreate)
        #expect(c.data.walFsyncDelay == GoDuration(nanoseconds: 100_000_000))
        #expect(c.data.cacheMaxMemorySize.bytes == 2 << 30)
        #expect(c.data.cacheSnapshotMemorySize.bytes == 1_048_576)
        #expect(c.data.maxSeriesPerDatabase == 0)
        #expect(c.coordinator.writeTimeout == .seconds(20) && c.coordinator.maxSelectPoint == 5)
        #expect(c.retention.checkInterval == .hours(1))
        #expect(c.precreator.advancePeriod == .hours(1))
        #expect(!c.monitor.storeEnabled)
        #expect(c.http.bindAddress == "127.0.0.1:18086" && c.http.authEnabled && c.http.maxBodySize == 100)
        #expect(c.http.accessLogStatusFilters == ["4xx", "5xx"])
        #expect(c.http.headers == ["X-Custom": "yes"])
        #expect(c.logging.level == "debug")
        #expect(c.subscriber.writeConcurrency == 4)
        #expect(c.graphite.count == 2 && c.graphite[0].enabled && c.graphite[1].bindAddress == ":2004")
        #expect(c.graphite[0].templates == ["cpu.* measurement.field", "host.measurement*"])
        #expect(c.collectd[0].typesDB == "/tmp/types.db")
        #expect(c.opentsdb[0].batchSize == 10)
        #expect(c.udp[0].precision == "s")
        // A [[collectd]] or [[udp]] table starts from Go's zero values, as in 1.x.
        #expect(c.collectd[0].securityLevel == "" && c.collectd[0].parseMultivaluePlugin == "" && c.udp[0].bindAddress == "")
        #expect(c.continuousQueries.runInterval == .seconds(10))
        #expect(c.tls.minVersion == "tls1.2")
    }

    @Test func defaultsMatch1x() {
        let c = Config()
        #expect(c.http.bindAddress == ":8086" && c.http.maxBodySize == 25_000_000 && c.http.realm == "InfluxDB")
        #expect(c.data.cacheMaxMemorySize.bytes == 1 << 30 && c.data.cacheSnapshotMemorySize.bytes == 25 << 20)
        #expect(c.data.cacheSnapshotWriteColdDuration == .minutes(10))
        #expect(c.data.compactFullWriteColdDuration == .hours(4))
        #expect(c.retention.checkInterval == .minutes(30))
        #expect(c.precreator.checkInterval == .minutes(10) && c.precreator.advancePeriod == .minutes(30))
        #expect(c.monitor.storeDatabase == "_internal" && c.monitor.storeInterval == .seconds(10))
        #expect(c.graphite.count == 1 && c.graphite[0].bindAddress == ":2003" && !c.graphite[0].enabled)
        #expect(c.collectd[0].bindAddress == ":25826" && c.opentsdb[0].bindAddress == ":4242" && c.udp[0].bindAddress == ":8089")
    }

    @Test func unknownKeysAreIgnoredAndReported() throws {
        var unknown: [String] = []
        let c = try Config(toml: "reporting-enabled = false\n[http]\nbogus = 1\nbind-address = \":1\"\n[nosuch]\nx = 1\n", unknownKeys: &unknown)
        #expect(c.http.bindAddress == ":1")
        #expect(Set(unknown) == ["reporting-enabled", "http.bogus", "nosuch"])
    }

    @Test func clusterIsReadAsCoordinator() throws {
        let c = try Config(toml: "  [cluster]\n  write-timeout = \"3s\"\n")
        #expect(c.coordinator.writeTimeout == .seconds(3))
    }

    @Test(arguments: [
        "[http]\nbind-address = 5\n",
        "[data]\ncache-max-memory-size = \"1t\"\n",
        "[data]\nwal-fsync-delay = \"soon\"\n",
        "[[graphite]]\ntemplates = \"notalist\"\n",
        "[http\n",
    ])
    func rejectsBadFiles(text: String) {
        #expect(throws: ConfigError.self) { try Config(toml: text) }
    }

    @Test func printedConfigLoadsBackIdentically() throws {
        let original = try Config(toml: Self.fullFile)
        let reloaded = try Config(toml: original.tomlText)
        #expect(reloaded == original)
        #expect(try Config(toml: Config().tomlText) == Config())
    }

    /// The influxdb.conf Debian installs with the real InfluxDB must load unmodified.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/influxdb/influxdb.conf")))
    func loadsDebianInfluxdbConf() throws {
        let text = try String(contentsOfFile: "/etc/influxdb/influxdb.conf", encoding: .utf8)
        let c = try Config(toml: text)
        #expect(c.meta.dir == "/var/lib/influxdb/meta")
        #expect(c.data.walDir == "/var/lib/influxdb/wal")
    }
}

@Suite struct EnvironmentOverrideTests {
    @Test func appliesSectionKeys() throws {
        var c = Config()
        try c.applyEnvironment([
            "INFLUXDB_REPORTING_DISABLED": "true",
            "INFLUXDB_HTTP_BIND_ADDRESS": "127.0.0.1:1234",
            "INFLUXDB_HTTP_MAX_BODY_SIZE": "0x10",
            "INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE": "2g",
            "INFLUXDB_DATA_WAL_FSYNC_DELAY": "1s",
            "INFLUXDB_SHARD_PRECREATION_ENABLED": "f",
            "INFLUXDB_CONTINUOUS_QUERIES_RUN_INTERVAL": "5s",
            "INFLUXDB_META_DIR": "",
        ])
        #expect(c.reportingDisabled)
        #expect(c.http.bindAddress == "127.0.0.1:1234")
        #expect(c.http.maxBodySize == 16)
        #expect(c.data.cacheMaxMemorySize.bytes == 2 << 30)
        #expect(c.data.walFsyncDelay == .seconds(1))
        #expect(!c.precreator.enabled)
        #expect(c.continuousQueries.runInterval == .seconds(5))
        #expect(c.meta.dir == Config().meta.dir, "empty values are ignored")
    }

    @Test func appliesToArraySections() throws {
        var c = try Config(toml: "[[graphite]]\n[[graphite]]\n")
        try c.applyEnvironment([
            "INFLUXDB_GRAPHITE_DATABASE": "all",
            "INFLUXDB_GRAPHITE_1_ENABLED": "true",
            "INFLUXDB_GRAPHITE_0_TEMPLATES": "a b,c d",
            "INFLUXDB_UDP_0_BIND_ADDRESS": ":9",
        ])
        #expect(c.graphite.map(\.database) == ["all", "all"])
        #expect(c.graphite.map(\.enabled) == [false, true])
        #expect(c.graphite[0].templates == ["a b", "c d"])
        #expect(c.udp[0].bindAddress == ":9")
        try c.applyEnvironment(["INFLUXDB_GRAPHITE_0_TEMPLATES_1": "e f"])
        #expect(c.graphite[0].templates == ["a b", "e f"])
    }

    @Test(arguments: [
        ("INFLUXDB_HTTP_AUTH_ENABLED", "maybe"),
        ("INFLUXDB_HTTP_MAX_BODY_SIZE", "lots"),
        ("INFLUXDB_DATA_CACHE_MAX_MEMORY_SIZE", "1t"),
    ])
    func rejectsBadValues(variable: String, value: String) {
        var c = Config()
        #expect(throws: ConfigError.self) { try c.applyEnvironment([variable: value]) }
    }
}
