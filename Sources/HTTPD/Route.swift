import HTTPTypes
import Hummingbird

/// One entry of 1.x's route table.
struct Route: Sendable {
    let name: String
    let method: HTTPRequest.Method
    let path: String
    let serve: @Sendable (Handler, RouteRequest) async -> Reply

    /// 1.x wraps the handlers that take a user (query, write, Prometheus) in `authenticate`;
    /// 1.8 also the ping, status, health and metrics routes when `ping-auth-enabled`.
    func requiresAuthentication(_ config: HTTPDConfig) -> Bool {
        if ["query", "write", "prometheus-write", "prometheus-read"].contains(name) || name.hasPrefix("pprof-") || name.hasPrefix("debug-") { return true }
        return config.authEnabled && config.pingAuthEnabled && Self.pingRoutes.contains(name)
    }

    static let pingRoutes: Set<String> = ["ping", "ping-head", "status", "status-head", "health", "prometheus-metrics"]

    /// Every route 1.x registers, in its order. OPTIONS routes exist so the method is allowed;
    /// the CORS filter answers them.
    static let all: [Route] = [
        Route(name: "query-options", method: .options, path: "/query") { _, _ in Reply(status: .noContent) },
        Route(name: "query", method: .get, path: "/query") { await $0.serveQuery($1) },
        Route(name: "query", method: .post, path: "/query") { await $0.serveQuery($1) },
        Route(name: "write-options", method: .options, path: "/write") { _, _ in Reply(status: .noContent) },
        Route(name: "write", method: .post, path: "/write") { await $0.serveWrite($1) },
        Route(name: "write", method: .post, path: "/api/v2/write") { await $0.serveWriteV2($1) },
        Route(name: "prometheus-write", method: .post, path: "/api/v1/prom/write") { await $0.servePromWrite($1) },
        Route(name: "prometheus-read", method: .post, path: "/api/v1/prom/read") { await $0.servePromRead($1) },
        Route(name: "ping", method: .get, path: "/ping") { await $0.servePing($1) },
        Route(name: "ping-head", method: .head, path: "/ping") { await $0.servePing($1) },
        Route(name: "status", method: .get, path: "/status") { await $0.serveStatus($1) },
        Route(name: "status-head", method: .head, path: "/status") { await $0.serveStatus($1) },
        Route(name: "health", method: .get, path: "/health") { await $0.serveHealth($1) },
        Route(name: "prometheus-metrics", method: .get, path: "/metrics") { await $0.serveMetrics($1) },
        Route(name: "flux-read", method: .post, path: "/api/v2/query") { await $0.serveFluxQuery($1) },
    ]

    /// The debug routes 1.8 adds with `pprof-auth-enabled` (and `auth-enabled` and
    /// `pprof-enabled`), for admin users only; the `/debug` prefixes then answer nothing else.
    static let authenticatedDebug: [Route] = [
        Route(name: "pprof-cmdline", method: .get, path: "/debug/pprof/cmdline") { h, call in await h.serveAdminDebug(call) { Handler.pprofCmdline() } },
        Route(name: "pprof-profile", method: .get, path: "/debug/pprof/profile") { h, call in await h.serveAdminDebug(call) { Handler.goProfileUnavailable("profile") } },
        Route(name: "pprof-symbol", method: .get, path: "/debug/pprof/symbol") { h, call in await h.serveAdminDebug(call) { Handler.goProfileUnavailable("symbol") } },
        Route(name: "pprof-all", method: .get, path: "/debug/pprof/all") { h, call in await h.serveAdminDebug(call) { Handler.goProfileUnavailable("all") } },
        Route(name: "debug-expvar", method: .get, path: "/debug/vars") { h, call in await h.serveAdminDebug(call) { h.serveDebugVars() } },
        Route(name: "debug-requests", method: .get, path: "/debug/requests") { h, call in
            await h.serveAdminDebug(call) { await h.serveDebugRequests(params: call.params, routed: call) }
        },
    ]

    /// The routes `config` registers.
    static func table(_ config: HTTPDConfig) -> [Route] {
        config.debugRoutesAuthenticated ? all + authenticatedDebug : all
    }
}
