import HTTPTypes

extension Handler {
    /// `GET|HEAD /ping`: 204, so clients can tell the server is up; with `verbose` (1.8) other
    /// than `0` or `false`, 200 and the version as JSON.
    func servePing(_ call: RouteRequest) async -> Reply {
        statistics.pingRequests.increment()
        let verbose = call.params["verbose"]
        guard !verbose.isEmpty, verbose != "0", verbose != "false" else { return Reply(status: .noContent) }
        var body = Array("{\"version\":".utf8)
        GoJSON.appendString(version, to: &body)
        body.append(UInt8(ascii: "}"))
        return Reply(status: .ok, body: body)
    }

    /// `GET|HEAD /status`: deprecated in 1.x in favour of /ping; still 204.
    func serveStatus(_ call: RouteRequest) async -> Reply {
        statistics.statusRequests.increment()
        return Reply(status: .noContent)
    }

    /// `GET /health` (1.8): the server's health in 2.x's shape. 1.8 sets its JSON content type
    /// after writing the status, so the header stays what the content-type filter chose.
    func serveHealth(_ call: RouteRequest) async -> Reply {
        // Go marshals the map with its keys sorted.
        var body = Array("{\"checks\":[],\"message\":\"ready for queries and writes\",\"name\":\"influxdb\",\"status\":\"pass\",\"version\":".utf8)
        GoJSON.appendString(version, to: &body)
        body.append(UInt8(ascii: "}"))
        return Reply(status: .ok, body: body)
    }

    /// `POST /api/v2/query` (1.8): Flux. Sundial runs no Flux engine, so `flux-enabled = true`
    /// is refused at start and this answers as 1.8 does with Flux disabled.
    func serveFluxQuery(_ call: RouteRequest) async -> Reply {
        .plainText("Flux query service disabled. Verify flux-enabled=true in the [http] section of the InfluxDB config.", status: .forbidden)
    }
}
