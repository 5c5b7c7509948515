/// `[http]` of influxdb.conf, with 1.x's defaults.
public struct HTTPDConfig: Sendable, Equatable {
    public var enabled = true
    public var bindAddress = ":8086"
    public var authEnabled = false
    public var realm = "InfluxDB"
    public var logEnabled = true
    public var suppressWriteLog = false
    public var accessLogPath = ""
    public var accessLogStatusFilters: [String] = []
    public var writeTracing = false
    public var pprofEnabled = true
    public var pprofAuthEnabled = false
    public var debugPprofEnabled = false
    public var pingAuthEnabled = false
    public var httpsEnabled = false
    public var httpsCertificate = "/etc/ssl/influxdb.pem"
    public var httpsPrivateKey = ""
    public var sharedSecret = ""
    public var maxRowLimit = 0
    public var maxConnectionLimit = 0
    public var unixSocketEnabled = false
    public var bindSocket = "/var/run/influxdb.sock"
    /// The socket file's mode (`unix-socket-permissions`, an octal string in the file).
    public var unixSocketPermissions: UInt32 = 0o777
    /// The socket file's group (`unix-socket-group`); nil leaves the daemon's.
    public var unixSocketGroup: UnixSocketGroup?
    /// Largest accepted /write body in bytes; 0 disables the limit.
    public var maxBodySize = 25_000_000
    public var maxConcurrentWriteLimit = 0
    public var maxEnqueuedWriteLimit = 0
    public var enqueuedWriteTimeoutNanoseconds: Int64 = 30_000_000_000
    /// `read-timeout`, Sundial's (1.x has no read timeout): how long a request that has begun
    /// (part of its head or body has come) may go without another byte before it is ended;
    /// 0 never ends it.
    public var readTimeoutNanoseconds: Int64 = 30_000_000_000
    public var fluxEnabled = false
    public var fluxLogEnabled = false
    /// Extra headers added to every response (`[http.headers]`, 1.8.1+).
    public var headers: [String: String] = [:]

    public init() {}

    /// `read-timeout` as a duration, nil when off.
    public var readTimeout: Duration? { readTimeoutNanoseconds > 0 ? .nanoseconds(readTimeoutNanoseconds) : nil }
}
