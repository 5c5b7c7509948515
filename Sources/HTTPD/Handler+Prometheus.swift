import HTTPTypes
import Hummingbird

extension Handler {
    /// `POST /api/v1/prom/write`: Prometheus remote write. Registered as in 1.x; decoding the
    /// Snappy-compressed protobuf comes with the Prometheus work, until then 501.
    func servePromWrite(_ call: RouteRequest) async -> Reply {
        httpError("prometheus remote write is not implemented yet", .notImplemented, call)
    }

    /// `POST /api/v1/prom/read`: Prometheus remote read. Registered as in 1.x; 501 until the
    /// query engine exists.
    func servePromRead(_ call: RouteRequest) async -> Reply {
        httpError("prometheus remote read is not implemented yet", .notImplemented, call)
    }
}
