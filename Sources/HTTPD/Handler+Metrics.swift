import Prometheus
import HTTPTypes
import Hummingbird

extension Handler {
    /// `GET /metrics`: the server's counters in Prometheus text format.
    func serveMetrics(_ call: RouteRequest) async -> Reply {
        var reply = Reply(status: .ok, body: statistics.registry.emitToBuffer())
        reply.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return reply
    }
}
