// The `[[graphite]]`, `[[collectd]]`, `[[opentsdb]]` and `[[udp]]` input sections; each may repeat.

/// `[[graphite]]`
public struct GraphiteConfig: ConfigSection {
    public var enabled = false
    public var bindAddress = ":2003"
    public var database = "graphite"
    public var retentionPolicy = ""
    public var protocolName = "tcp"
    public var consistencyLevel = "one"
    public var batchSize = 5000
    public var batchPending = 10
    public var batchTimeout = GoDuration.seconds(1)
    public var udpReadBuffer = 0
    public var separator = "."
    public var tags: [String] = []
    public var templates: [String] = []
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("bind-address", .string(\.bindAddress)),
         .init("database", .string(\.database)),
         .init("retention-policy", .string(\.retentionPolicy)),
         .init("protocol", .string(\.protocolName)),
         .init("consistency-level", .string(\.consistencyLevel)),
         .init("batch-size", .int(\.batchSize)),
         .init("batch-pending", .int(\.batchPending)),
         .init("batch-timeout", .duration(\.batchTimeout)),
         .init("udp-read-buffer", .int(\.udpReadBuffer)),
         .init("separator", .string(\.separator)),
         .init("tags", .strings(\.tags)),
         .init("templates", .strings(\.templates))]
    }
}

/// `[[collectd]]`
public struct CollectdConfig: ConfigSection {
    public var enabled = false
    public var bindAddress = ":25826"
    public var database = "collectd"
    public var retentionPolicy = ""
    public var typesDB = "/usr/share/collectd/types.db"
    public var securityLevel = "none"
    public var authFile = "/etc/collectd/auth_file"
    public var batchSize = 5000
    public var batchPending = 10
    public var batchTimeout = GoDuration.seconds(10)
    public var readBuffer = 0
    public var parseMultivaluePlugin = "split"
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("bind-address", .string(\.bindAddress)),
         .init("database", .string(\.database)),
         .init("retention-policy", .string(\.retentionPolicy)),
         .init("typesdb", .string(\.typesDB)),
         .init("security-level", .string(\.securityLevel)),
         .init("auth-file", .string(\.authFile)),
         .init("batch-size", .int(\.batchSize)),
         .init("batch-pending", .int(\.batchPending)),
         .init("batch-timeout", .duration(\.batchTimeout)),
         .init("read-buffer", .int(\.readBuffer)),
         .init("parse-multivalue-plugin", .string(\.parseMultivaluePlugin))]
    }
}

/// `[[opentsdb]]`
public struct OpenTSDBConfig: ConfigSection {
    public var enabled = false
    public var bindAddress = ":4242"
    public var database = "opentsdb"
    public var retentionPolicy = ""
    public var consistencyLevel = "one"
    public var tlsEnabled = false
    public var certificate = "/etc/ssl/influxdb.pem"
    public var logPointErrors = true
    public var batchSize = 1000
    public var batchPending = 5
    public var batchTimeout = GoDuration.seconds(1)
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("bind-address", .string(\.bindAddress)),
         .init("database", .string(\.database)),
         .init("retention-policy", .string(\.retentionPolicy)),
         .init("consistency-level", .string(\.consistencyLevel)),
         .init("tls-enabled", .bool(\.tlsEnabled)),
         .init("certificate", .string(\.certificate)),
         .init("log-point-errors", .bool(\.logPointErrors)),
         .init("batch-size", .int(\.batchSize)),
         .init("batch-pending", .int(\.batchPending)),
         .init("batch-timeout", .duration(\.batchTimeout))]
    }
}

/// `[[udp]]`
public struct UDPConfig: ConfigSection {
    public var enabled = false
    public var bindAddress = ":8089"
    public var database = "udp"
    public var retentionPolicy = ""
    public var precision = ""
    public var batchSize = 5000
    public var batchPending = 10
    public var batchTimeout = GoDuration.seconds(1)
    public var readBuffer = 0
    public init() {}
    public static var keys: [ConfigKey<Self>] {
        [.init("enabled", .bool(\.enabled)),
         .init("bind-address", .string(\.bindAddress)),
         .init("database", .string(\.database)),
         .init("retention-policy", .string(\.retentionPolicy)),
         .init("precision", .string(\.precision)),
         .init("batch-size", .int(\.batchSize)),
         .init("batch-pending", .int(\.batchPending)),
         .init("batch-timeout", .duration(\.batchTimeout)),
         .init("read-buffer", .int(\.readBuffer))]
    }
}
