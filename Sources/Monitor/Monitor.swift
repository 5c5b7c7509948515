import Coordinator
import LineProtocol
import Synchronization

/// The registry behind 1.x's monitor: every component's statistics (``StatisticsReporter``)
/// and every diagnostics table, read by `SHOW STATS`, `SHOW DIAGNOSTICS`, `/debug/vars`,
/// `/metrics` and the store loop of ``MonitorService``.
///
/// Components register as they are built; reading asks each of them, which is cheap by the
/// reporters' contract (atomics, short copies, no disk I/O), so it never blocks writes or
/// queries.
public final class Monitor: Sendable {
    /// Diagnostics tables by name (`build`, `runtime`, `network`, `system`, `config-…`).
    public typealias DiagnosticsClient = @Sendable () -> Diagnostics?

    private struct Registry {
        var reporters: [any StatisticsReporter] = []
        /// The services' reporters, replaced as a whole each time the services are built.
        var services: [any StatisticsReporter] = []
        var diagnostics: [String: DiagnosticsClient] = [:]
    }

    private let registry = Mutex(Registry())
    /// When the process started (the `system` diagnostics' `started`, `uptime`).
    public let started: Int64

    /// A monitor with 1.x's own tables: `build` (from `build`), `runtime`, `network` and
    /// `system`; and the `runtime` statistic.
    public init(build: BuildInfo, started: Int64 = PointsWriter.wallClock()) {
        self.started = started
        register(diagnostics: "build") { build.diagnostics }
        register(diagnostics: "runtime") { ProcessFacts.runtimeDiagnostics() }
        register(diagnostics: "network") { ProcessFacts.networkDiagnostics() }
        register(diagnostics: "system") { [started] in ProcessFacts.systemDiagnostics(started: started) }
        register(RuntimeStatistics())
    }

    /// Adds a component whose statistics are reported from now on.
    public func register(_ reporter: any StatisticsReporter) {
        registry.withLock { $0.reporters.append(reporter) }
    }

    /// The services' reporters from now on, after every component's (1.x's order: the
    /// services report last, in their start order).
    public func setServices(_ reporters: [any StatisticsReporter]) {
        registry.withLock { $0.services = reporters }
    }

    /// Adds (or replaces) the diagnostics table `name`.
    public func register(diagnostics name: String, _ client: @escaping DiagnosticsClient) {
        registry.withLock { $0.diagnostics[name] = client }
    }

    /// Every component's statistics with `tags` added, in registration order (1.x's order is
    /// the server's: runtime first, then the query executor, the store, the points writer,
    /// the subscriber and the services).
    public func statistics(tags: [String: String] = [:]) -> [Statistic] {
        let reporters = registry.withLock { $0.reporters + $0.services }
        return reporters.flatMap { $0.statistics(tags: tags) }
    }

    /// Every diagnostics table by name; a table whose client has nothing (1.x: an error) is
    /// left out.
    public func diagnostics() -> [String: Diagnostics] {
        let clients = registry.withLock { $0.diagnostics }
        return clients.compactMapValues { $0() }
    }
}

/// What the `build` diagnostics show (1.x: `Version`, `Commit`, `Branch`, `Build Time`).
public struct BuildInfo: Sendable, Hashable {
    public var version: String
    public var commit: String
    public var branch: String
    public var time: String

    /// Commit and branch are `unknown` unless the build says (as in a 1.x built without them).
    public init(version: String, commit: String = "unknown", branch: String = "unknown", time: String = "") {
        self.version = version
        self.commit = commit
        self.branch = branch
        self.time = time
    }

    var diagnostics: Diagnostics {
        Diagnostics(row: ["Version": .string(version), "Commit": .string(commit), "Branch": .string(branch), "Build Time": .string(time)])
    }
}
