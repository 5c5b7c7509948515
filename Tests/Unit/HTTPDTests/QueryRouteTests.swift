import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfluxQL
import Meta
import NIOCore
import Query
import Testing
import TSDB
@testable import HTTPD

/// `/query` behaviour the 1.6.7 goldens cannot show: 1.8's `Token` scheme, the bound-parameter
/// forms 1.8 added, and the write throttler.
@Suite struct QueryRouteTests {
    static func app(auth: Bool, meta: MetaClient, config: HTTPDConfig = HTTPDConfig()) -> some ApplicationProtocol {
        var config = config
        config.authEnabled = auth
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-query-\(UUID())").path
        let store = Store(dataDir: dir + "/data", walDir: dir + "/wal")
        let handler = Handler(config: config, version: "test", catalog: FixedCatalog(names: ["db0"]), pointsWriter: RecordingWriter(),
                              users: meta, queryExecutor: QueryExecutor(meta: meta, store: store))
        return Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await handler.respond(to: request) })
    }

    static func form(_ q: String) -> ByteBuffer {
        ByteBuffer(string: "q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test(arguments: [
        ("Token root:pw", HTTPResponse.Status.ok),
        ("Token root:wrong", .unauthorized),
        ("Token nobody:pw", .unauthorized),
        ("Token root", .unauthorized),          // no colon: not a Token credential, not Basic either
        ("Token :pw", .unauthorized),           // empty user
    ])
    func tokenSchemeOf18(header: String, status: HTTPResponse.Status) async throws {
        let meta = MetaClient()
        try await meta.createUser("root", password: "pw", admin: true)
        try await Self.app(auth: true, meta: meta).test(.router) { client in
            var headers = Self.formHeaders
            headers[.authorization] = header
            let response = try await client.execute(uri: "/query", method: .post, headers: headers, body: Self.form("SHOW USERS"))
            #expect(response.status == status)
            if status == .ok {
                #expect(String(buffer: response.body) == #"{"results":[{"statement_id":0,"series":[{"columns":["user","admin"],"values":[["root",true]]}]}]}"# + "\n")
            } else {
                #expect(response.headers[HTTPField.Name("WWW-Authenticate")!] == "Basic realm=\"InfluxDB\"")
            }
        }
    }

    @Test(arguments: [
        (#"{"db": {"identifier": "db0"}}"#, "SHOW RETENTION POLICIES ON $db", #"{"results":[{"statement_id":0,"series":[{"columns":["name","duration","shardGroupDuration","replicaN","default"],"values":[["autogen","0s","168h0m0s",1,true]]}]}]}"#),
        (#"{"d": {"duration": "2h"}}"#, "CREATE RETENTION POLICY r ON db0 DURATION $d REPLICATION 1", #"{"results":[{"statement_id":0}]}"#),
        (#"{"d": {"duration": 7200000000000}}"#, "CREATE RETENTION POLICY r2 ON db0 DURATION $d REPLICATION 1", #"{"results":[{"statement_id":0}]}"#),
        // A value that cannot bind reports its reason where an expression is parsed…
        (#"{"n": {"integer": 1.5}}"#, "SELECT v FROM m WHERE v = $n", #"{"error":"error parsing query: integer literal must be an integer value"}"#),
        (#"{"x": {"a": 1, "b": 2}}"#, "SELECT v FROM m WHERE v = $x", #"{"error":"error parsing query: bound object parameter value must have exactly one entry"}"#),
        (#"{"x": {"what": 1}}"#, "SELECT v FROM m WHERE v = $x", #"{"error":"error parsing query: unknown bind object type: what"}"#),
        (#"{"x": null}"#, "SELECT v FROM m WHERE v = $x", #"{"error":"error parsing query: unable to bind parameter with type \u003cnil\u003e"}"#),
        // …and is the "found" token where a specific token is expected.
        (#"{"x": {"a": 1, "b": 2}}"#, "DROP SHARD $x", #"{"error":"error parsing query: found bound object parameter value must have exactly one entry, expected integer at line 1, char 12"}"#),
        (#"{"x": 1.5e3}"#, "DROP SHARD $x", #"{"error":"error parsing query: found 1500, expected integer at line 1, char 12"}"#),
        (#"{"x": 1e3}"#, "DROP SHARD $x", #"{"error":"error parsing json value: strconv.ParseInt: parsing \"1e3\": invalid syntax"}"#),
    ])
    func boundParametersOf18(params: String, q: String, body: String) async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db0")
        try await Self.app(auth: false, meta: meta).test(.router) { client in
            let encoded = params.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let response = try await client.execute(uri: "/query?params=\(encoded)", method: .post, headers: Self.formHeaders, body: Self.form(q))
            #expect(String(buffer: response.body) == body + "\n")
        }
    }

    @Test func throttlerRefusesWhenTheQueueIsFull() async throws {
        let throttler = Throttler(concurrent: 1, enqueued: 1, timeoutNanoseconds: 0)
        let release = AsyncStream<Void>.makeStream()
        let started = AsyncStream<Void>.makeStream()
        let first = Task { await throttler.run { started.continuation.yield(); for await _ in release.stream { break } } }
        for await _ in started.stream { break }
        // One runs, one may wait (capacity 2): the third is refused at once.
        let second = Task { await throttler.run { 2 } }
        try await Task.sleep(for: .milliseconds(20))
        let third = await throttler.run { 3 }
        #expect(third == .failure(Throttler.RefusalError(refusal: .queueFull)))
        release.continuation.yield()
        _ = await first.value
        #expect(await second.value == .success(2))
    }

    @Test func throttlerTimesOutQueuedWrites() async throws {
        let throttler = Throttler(concurrent: 1, enqueued: 0, timeoutNanoseconds: 50_000_000)
        let release = AsyncStream<Void>.makeStream()
        let started = AsyncStream<Void>.makeStream()
        let first = Task { await throttler.run { started.continuation.yield(); for await _ in release.stream { break } } }
        for await _ in started.stream { break }
        let waited = await throttler.run { 1 }
        #expect(waited == .failure(Throttler.RefusalError(refusal: .timeout)))
        release.continuation.yield()
        _ = await first.value
        #expect(await throttler.run { 4 } == .success(4))
    }

    @Test func unlimitedThrottlerRunsEverything() async {
        let throttler = Throttler(concurrent: 0, enqueued: 0, timeoutNanoseconds: 0)
        #expect(await throttler.run { 1 } == .success(1))
    }
}
