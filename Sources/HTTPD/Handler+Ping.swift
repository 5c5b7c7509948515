import Prometheus
import HTTPTypes
extension Handler {
    /// `GET|HEAD /ping`: 204, so clients can tell the server is up.
    func servePing(_ call: RouteRequest) async -> Reply {
        statistics.pingRequests.increment()
        return Reply(status: .noContent)
    }

    /// `GET|HEAD /status`: deprecated in 1.x in favour of /ping; still 204.
    func serveStatus(_ call: RouteRequest) async -> Reply {
        statistics.statusRequests.increment()
        return Reply(status: .noContent)
    }
}
