import Prometheus
import HTTPTypes
import Foundation
import Hummingbird

extension Handler {
    /// `GET|POST /query`. The query string comes from `q` in the URL or a form body.
    ///
    /// Statement execution arrives with the InfluxQL parser and query engine; until then a
    /// present `q` is answered 501, while a missing one gets 1.x's exact 400.
    func serveQuery(_ call: RouteRequest) async -> Reply {
        statistics.queryRequests.increment()
        var form = call.params
        if call.request.method == .post,
           call.request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = (try? await call.request.body.collect(upTo: config.maxBodySize > 0 ? config.maxBodySize : .max)) ?? ByteBuffer()
            // Go's Request.Form puts body values before URL values.
            form = QueryString(String(buffer: body)).merged(with: form)
        }
        let q = form["q"].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !q.isEmpty else {
            return httpError("missing required parameter \"q\"", .badRequest, call)
        }
        return httpError("query execution is not implemented yet", .notImplemented, call)
    }
}
