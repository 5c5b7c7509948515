/// The influxdb.conf that tests and benchmarks give a server on loopback — the real influxd
/// 1.6.7 or sundiald, which read the same file: its directories under `dir`, HTTP and the
/// top-level `bind-address` (the snapshotter's) on the given ports, reporting off, the monitor
/// not storing, then whatever else a caller adds.
public struct LoopbackServerConfig: Sendable {
    public var dir: String
    public var httpPort: Int
    public var rpcPort: Int
    /// Extra lines of `[data]`, `[monitor]` and `[http]`.
    public var data: [String] = []
    public var monitor: [String] = ["store-enabled = false"]
    public var http: [String] = ["log-enabled = false"]
    /// Further sections, written as they are (none of the three above).
    public var sections: String = ""

    public init(dir: String, httpPort: Int, rpcPort: Int) {
        self.dir = dir
        self.httpPort = httpPort
        self.rpcPort = rpcPort
    }

    /// `[ifql]` (the storage read service) on `port`.
    public static func ifql(port: Int, logEnabled: Bool = false) -> String {
        "[ifql]\n  enabled = true\n  log-enabled = \(logEnabled)\n  bind-address = \"127.0.0.1:\(port)\"\n"
    }

    /// The file's text.
    public var text: String {
        func lines(_ l: [String]) -> String { l.map { "  " + $0 + "\n" }.joined() }
        return """
        reporting-disabled = true
        bind-address = "127.0.0.1:\(rpcPort)"
        [meta]
          dir = "\(dir)/meta"
        [data]
          dir = "\(dir)/data"
          wal-dir = "\(dir)/wal"
          query-log-enabled = false
        \(lines(data))[monitor]
        \(lines(monitor))[http]
          bind-address = "127.0.0.1:\(httpPort)"
        \(lines(http))\(sections)
        """
    }
}
