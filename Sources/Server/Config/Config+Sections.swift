import Foundation
import HTTPD

// The sections of influxdb.conf with 1.x's defaults (code defaults, which the sample config documents).
// Services that do not exist yet keep their settings so that every influxdb.conf loads and `sundiald config`
// prints the full file.

/// `[meta]`
public struct MetaConfig: ConfigSection {
    public var dir = "/var/lib/influxdb/meta"
    public var retentionAutocreate = true
    public var loggingEnabled = true
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("dir", .string(\.dir)),
         .init("retention-autocreate", .bool(\.retentionAutocreate)),
         .init("logging-enabled", .bool(\.loggingEnabled))]
    }
}

/// `[data]`
public struct DataConfig: ConfigSection {
    public var dir = "/var/lib/influxdb/data"
    public var walDir = "/var/lib/influxdb/wal"
    public var walFsyncDelay = GoDuration.zero
    /// Sundial's default is tsi1 (1.x defaults to inmem).
    public var indexVersion = "tsi1"
    public var traceLoggingEnabled = false
    public var queryLogEnabled = true
    public var strictErrorHandling = false
    public var validateKeys = false
    public var cacheMaxMemorySize = ByteSize(bytes: 1 << 30)
    public var cacheSnapshotMemorySize = ByteSize(bytes: 25 << 20)
    public var cacheSnapshotWriteColdDuration = GoDuration.minutes(10)
    public var compactFullWriteColdDuration = GoDuration.hours(4)
    public var maxConcurrentCompactions = 0
    public var compactThroughput = ByteSize(bytes: 48 << 20)
    public var compactThroughputBurst = ByteSize(bytes: 48 << 20)
    public var tsmUseMadvWillneed = false
    public var maxSeriesPerDatabase = 1_000_000
    public var maxValuesPerTag = 100_000
    public var maxIndexLogFileSize = ByteSize(bytes: 1 << 20)
    public var seriesIDSetCacheSize = 100
    public var seriesFileMaxConcurrentSnapshotCompactions = 0
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("dir", .string(\.dir)),
         .init("wal-dir", .string(\.walDir)),
         .init("wal-fsync-delay", .duration(\.walFsyncDelay)),
         .init("index-version", .string(\.indexVersion)),
         .init("trace-logging-enabled", .bool(\.traceLoggingEnabled)),
         .init("query-log-enabled", .bool(\.queryLogEnabled)),
         .init("strict-error-handling", .bool(\.strictErrorHandling)),
         .init("validate-keys", .bool(\.validateKeys)),
         .init("cache-max-memory-size", .size(\.cacheMaxMemorySize)),
         .init("cache-snapshot-memory-size", .size(\.cacheSnapshotMemorySize)),
         .init("cache-snapshot-write-cold-duration", .duration(\.cacheSnapshotWriteColdDuration)),
         .init("compact-full-write-cold-duration", .duration(\.compactFullWriteColdDuration)),
         .init("max-concurrent-compactions", .int(\.maxConcurrentCompactions)),
         .init("compact-throughput", .size(\.compactThroughput)),
         .init("compact-throughput-burst", .size(\.compactThroughputBurst)),
         .init("tsm-use-madv-willneed", .bool(\.tsmUseMadvWillneed)),
         .init("max-series-per-database", .int(\.maxSeriesPerDatabase)),
         .init("max-values-per-tag", .int(\.maxValuesPerTag)),
         .init("max-index-log-file-size", .size(\.maxIndexLogFileSize)),
         .init("series-id-set-cache-size", .int(\.seriesIDSetCacheSize)),
         .init("series-file-max-concurrent-snapshot-compactions", .int(\.seriesFileMaxConcurrentSnapshotCompactions))]
    }
}

/// `[coordinator]` (1.x also reads the pre-1.0 name `[cluster]`).
public struct CoordinatorConfig: ConfigSection {
    public var writeTimeout = GoDuration.seconds(10)
    public var maxConcurrentQueries = 0
    public var queryTimeout = GoDuration.zero
    public var logQueriesAfter = GoDuration.zero
    public var maxSelectPoint = 0
    public var maxSelectSeries = 0
    public var maxSelectBuckets = 0
    /// Sundial's own: the most one query may gather in memory (0 = no limit). The default is a
    /// quarter of the machine's memory, so no single query can exhaust it.
    public var maxQueryMemory = ByteSize(bytes: ProcessInfo.processInfo.physicalMemory / 4)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("write-timeout", .duration(\.writeTimeout)),
         .init("max-concurrent-queries", .int(\.maxConcurrentQueries)),
         .init("query-timeout", .duration(\.queryTimeout)),
         .init("log-queries-after", .duration(\.logQueriesAfter)),
         .init("max-select-point", .int(\.maxSelectPoint)),
         .init("max-select-series", .int(\.maxSelectSeries)),
         .init("max-select-buckets", .int(\.maxSelectBuckets)),
         .init("max-query-memory", .size(\.maxQueryMemory))]
    }
}

/// `[retention]`
public struct RetentionConfig: ConfigSection {
    public var enabled = true
    public var checkInterval = GoDuration.minutes(30)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)), .init("check-interval", .duration(\.checkInterval))]
    }
}

/// `[shard-precreation]`
public struct PrecreatorConfig: ConfigSection {
    public var enabled = true
    public var checkInterval = GoDuration.minutes(10)
    public var advancePeriod = GoDuration.minutes(30)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("check-interval", .duration(\.checkInterval)),
         .init("advance-period", .duration(\.advancePeriod))]
    }
}

/// `[monitor]`
public struct MonitorConfig: ConfigSection {
    public var storeEnabled = true
    public var storeDatabase = "_internal"
    public var storeInterval = GoDuration.seconds(10)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("store-enabled", .bool(\.storeEnabled)),
         .init("store-database", .string(\.storeDatabase)),
         .init("store-interval", .duration(\.storeInterval))]
    }
}

/// `[logging]`
public struct LoggingConfig: ConfigSection {
    public var format = "auto"
    public var level = "info"
    public var suppressLogo = false
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("format", .string(\.format)), .init("level", .string(\.level)), .init("suppress-logo", .bool(\.suppressLogo))]
    }
}

/// `[subscriber]`
public struct SubscriberConfig: ConfigSection {
    public var enabled = true
    public var httpTimeout = GoDuration.seconds(30)
    public var insecureSkipVerify = false
    public var caCerts = ""
    public var writeConcurrency = 40
    public var writeBufferSize = 1000
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("http-timeout", .duration(\.httpTimeout)),
         .init("insecure-skip-verify", .bool(\.insecureSkipVerify)),
         .init("ca-certs", .string(\.caCerts)),
         .init("write-concurrency", .int(\.writeConcurrency)),
         .init("write-buffer-size", .int(\.writeBufferSize))]
    }
}

/// `[continuous_queries]`
public struct ContinuousQueryConfig: ConfigSection {
    public var enabled = true
    public var logEnabled = true
    public var queryStatsEnabled = false
    public var runInterval = GoDuration.seconds(1)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("log-enabled", .bool(\.logEnabled)),
         .init("query-stats-enabled", .bool(\.queryStatsEnabled)),
         .init("run-interval", .duration(\.runInterval))]
    }
}

/// `[tls]`
public struct TLSConfig: ConfigSection {
    public var ciphers: [String] = []
    public var minVersion = ""
    public var maxVersion = ""
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("ciphers", .strings(\.ciphers)), .init("min-version", .string(\.minVersion)), .init("max-version", .string(\.maxVersion))]
    }
}

/// `[ifql]` — 1.6's storage read service (yarpc; Sources/Storage, Spec/storage-rpc.md).
public struct IFQLConfig: ConfigSection {
    public var enabled = false
    public var logEnabled = true
    public var bindAddress = ":8082"
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)), .init("log-enabled", .bool(\.logEnabled)), .init("bind-address", .string(\.bindAddress))]
    }
}

extension HTTPDConfig: ConfigSection {
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("bind-address", .string(\.bindAddress)),
         .init("auth-enabled", .bool(\.authEnabled)),
         .init("realm", .string(\.realm)),
         .init("log-enabled", .bool(\.logEnabled)),
         .init("suppress-write-log", .bool(\.suppressWriteLog)),
         .init("access-log-path", .string(\.accessLogPath)),
         .init("access-log-status-filters", .strings(\.accessLogStatusFilters)),
         .init("write-tracing", .bool(\.writeTracing)),
         .init("pprof-enabled", .bool(\.pprofEnabled)),
         .init("pprof-auth-enabled", .bool(\.pprofAuthEnabled)),
         .init("debug-pprof-enabled", .bool(\.debugPprofEnabled)),
         .init("ping-auth-enabled", .bool(\.pingAuthEnabled)),
         .init("https-enabled", .bool(\.httpsEnabled)),
         .init("https-certificate", .string(\.httpsCertificate)),
         .init("https-private-key", .string(\.httpsPrivateKey)),
         .init("shared-secret", .string(\.sharedSecret)),
         .init("max-row-limit", .int(\.maxRowLimit)),
         .init("max-connection-limit", .int(\.maxConnectionLimit)),
         .init("unix-socket-enabled", .bool(\.unixSocketEnabled)),
         .init("bind-socket", .string(\.bindSocket)),
         .init("unix-socket-permissions", .fileMode(\.unixSocketPermissions)),
         .init("unix-socket-group", .group(\.unixSocketGroup)),
         .init("max-body-size", .int(\.maxBodySize)),
         .init("max-concurrent-write-limit", .int(\.maxConcurrentWriteLimit)),
         .init("max-enqueued-write-limit", .int(\.maxEnqueuedWriteLimit)),
         .init("enqueued-write-timeout", .duration(\.enqueuedWriteTimeoutConfig)),
         .init("read-timeout", .duration(\.readTimeoutConfig)),
         .init("flux-enabled", .bool(\.fluxEnabled)),
         .init("flux-log-enabled", .bool(\.fluxLogEnabled)),
         .init("headers", .stringMap(\.headers))]
    }
}

extension HTTPDConfig {
    /// The write-queue timeout as a config duration.
    var enqueuedWriteTimeoutConfig: GoDuration {
        get { GoDuration(nanoseconds: enqueuedWriteTimeoutNanoseconds) }
        set { enqueuedWriteTimeoutNanoseconds = newValue.nanoseconds }
    }

    /// The read timeout as a config duration.
    var readTimeoutConfig: GoDuration {
        get { GoDuration(nanoseconds: readTimeoutNanoseconds) }
        set { readTimeoutNanoseconds = newValue.nanoseconds }
    }
}
