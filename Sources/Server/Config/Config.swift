import HTTPD

/// The whole of influxdb.conf: the same sections, keys and defaults as InfluxDB 1.x.
public struct Config: Sendable, Equatable {
    public var reportingDisabled = false
    public var bindAddress = "127.0.0.1:8088"
    public var meta = MetaConfig()
    public var data = DataConfig()
    public var coordinator = CoordinatorConfig()
    public var retention = RetentionConfig()
    public var precreator = PrecreatorConfig()
    public var monitor = MonitorConfig()
    public var http = HTTPDConfig()
    public var ifql = IFQLConfig()
    public var logging = LoggingConfig()
    public var subscriber = SubscriberConfig()
    // 1.x starts with one (disabled) element of each input so env overrides like
    // INFLUXDB_GRAPHITE_0_ENABLED have something to apply to.
    public var graphite = [GraphiteConfig()]
    public var collectd = [CollectdConfig()]
    public var opentsdb = [OpenTSDBConfig()]
    public var udp = [UDPConfig()]
    public var continuousQueries = ContinuousQueryConfig()
    public var tls = TLSConfig()

    /// 1.x's code defaults, with data under `/var/lib/influxdb`.
    public init() {}

    /// The embedded default `sundiald run` uses without a config file: 1.x's defaults with
    /// meta, data and WAL under `directory`.
    public static func embeddedDefault(directory: String) -> Config {
        var config = Config()
        config.meta.dir = directory + "/meta"
        config.data.dir = directory + "/data"
        config.data.walDir = directory + "/wal"
        return config
    }

    /// Keys that sit at the top of the file, outside any section.
    static var topLevelKeys: [ConfigKey<Config>] {
        [.init("reporting-disabled", .bool(\.reportingDisabled)), .init("bind-address", .string(\.bindAddress))]
    }

    /// Every section in file order.
    static var sections: [any SectionBinding] {
        [TableBinding(name: "meta", keyPath: \.meta),
         TableBinding(name: "data", keyPath: \.data),
         TableBinding(name: "coordinator", keyPath: \.coordinator),
         TableBinding(name: "retention", keyPath: \.retention),
         TableBinding(name: "shard-precreation", keyPath: \.precreator),
         TableBinding(name: "monitor", keyPath: \.monitor),
         TableBinding(name: "http", keyPath: \.http),
         TableBinding(name: "ifql", keyPath: \.ifql),
         TableBinding(name: "logging", keyPath: \.logging),
         TableBinding(name: "subscriber", keyPath: \.subscriber),
         ArrayBinding(name: "graphite", keyPath: \.graphite),
         ArrayBinding(name: "collectd", keyPath: \.collectd),
         ArrayBinding(name: "opentsdb", keyPath: \.opentsdb),
         ArrayBinding(name: "udp", keyPath: \.udp),
         TableBinding(name: "continuous_queries", keyPath: \.continuousQueries),
         TableBinding(name: "tls", keyPath: \.tls)]
    }
}
