import AsyncHTTPClient
import Foundation
import LineProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import GoText

/// An `http://` or `https://` destination (1.x's `subscriber.HTTP`, a client v2 write): each
/// write is one `POST …/write` of the batch as line protocol, one point per line, within
/// `http-timeout`; 204 or 200 is success, any other status fails with the response body.
struct HTTPDestination: DestinationWriter {
    let endpoint: HTTPEndpoint
    let client: HTTPClient
    let timeout: TimeAmount

    /// The client's connections per host follow `write-concurrency`, so that concurrent
    /// writes do not queue for a connection; a refused connection fails the write at once, as
    /// Go's dial does, rather than being retried until the timeout.
    init(endpoint: HTTPEndpoint, tls: TLSConfiguration?, settings: SubscriberSettings) {
        self.endpoint = endpoint
        timeout = .nanoseconds(settings.httpTimeout.nanosecondCount)
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60),
                                                           concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, settings.writeConcurrency))
        pool.retryConnectionEstablishment = false
        let configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: timeout), connectionPool: pool)
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// 1.x's TLS for https destinations: with `ca-certs`, verified against those roots only
    /// (1.x's own TLS config then overrides `insecure-skip-verify`); else unverified when
    /// `insecure-skip-verify`, else against the system's roots. The file is read on NIO's
    /// thread pool; an unreadable one fails the subscription, as in 1.x.
    static func tlsConfiguration(_ settings: SubscriberSettings) async throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !settings.caCerts.isEmpty {
            let path = settings.caCerts
            let pem = try await BlockingPool.shared.runIfActive { try Data(contentsOf: URL(fileURLWithPath: path)) }
            // Go's AppendCertsFromPEM skips what it cannot parse.
            tls.trustRoots = .certificates((try? NIOSSLCertificate.fromPEMBytes(Array(pem))) ?? [])
        } else if settings.insecureSkipVerify {
            tls.certificateVerification = .none
        }
        return tls
    }

    func write(_ batch: WriteBatch) async throws {
        let url = endpoint.url(database: batch.database, retentionPolicy: batch.retentionPolicy)
        var body: [UInt8] = []
        for point in batch.points {
            point.appendLineProtocol(to: &body, precision: .nanosecond)
            body.append(UInt8(ascii: "\n"))
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        // As 1.x's client: an empty Content-Type and its own User-Agent.
        request.headers.add(name: "Content-Type", value: "")
        request.headers.add(name: "User-Agent", value: "InfluxDBClient")
        if let authorization = endpoint.authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: UInt
        var text = ByteBuffer()
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status.code
            // Read to the end (the connection goes back to the pool); keep what an error needs.
            for try await chunk in response.body where text.readableBytes < 64 * 1024 {
                var chunk = chunk
                text.writeBuffer(&chunk)
            }
        } catch {
            throw DestinationError(description: "Post \(url): \(error)")
        }
        guard status == 204 || status == 200 else {
            // 1.x's error is the body as it is; the newline a JSON error ends with is dropped.
            var message = String(buffer: text)
            while message.last?.isNewline == true { message.removeLast() }
            throw DestinationError(description: message)
        }
    }

    func close() async {
        try? await client.shutdown()
    }
}
