import Prometheus

/// The handler's counters (1.x's `httpd` statistics), exposed at /metrics in Prometheus format.
final class Statistics: Sendable {
    let registry: PrometheusCollectorRegistry
    let requests: Counter
    let queryRequests: Counter
    let writeRequests: Counter
    let promWriteRequests: Counter
    let promReadRequests: Counter
    let pingRequests: Counter
    let statusRequests: Counter
    let writeRequestBytes: Counter
    let pointsWrittenOK: Counter
    let pointsWrittenDropped: Counter
    let pointsWrittenFail: Counter
    let clientErrors: Counter
    let serverErrors: Counter
    let authenticationFailures: Counter

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "sundial", subsystem: "httpd", metricName: name, unitName: "total", helpText: help))
        }
        requests = counter("requests", "HTTP requests received.")
        queryRequests = counter("query_requests", "Query requests received.")
        writeRequests = counter("write_requests", "Write requests received.")
        promWriteRequests = counter("prom_write_requests", "Prometheus remote write requests received.")
        promReadRequests = counter("prom_read_requests", "Prometheus remote read requests received.")
        pingRequests = counter("ping_requests", "Ping requests received.")
        statusRequests = counter("status_requests", "Status requests received.")
        writeRequestBytes = counter("write_request_bytes", "Bytes of write request bodies received.")
        pointsWrittenOK = counter("points_written_ok", "Points accepted by write requests.")
        pointsWrittenDropped = counter("points_written_dropped", "Points dropped by partial writes.")
        pointsWrittenFail = counter("points_written_fail", "Points in failed write requests.")
        clientErrors = counter("client_errors", "Responses with a 4xx status.")
        serverErrors = counter("server_errors", "Responses with a 5xx status.")
        authenticationFailures = counter("authentication_failures", "Requests whose credentials were missing or wrong.")
    }
}
