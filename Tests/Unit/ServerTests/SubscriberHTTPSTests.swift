import Foundation
import Testing
@testable import Subscriber

/// HTTPS destinations, against a TLS sink on loopback with a certificate made for the test:
/// checked against `ca-certs`, or not checked with `insecure-skip-verify`; a certificate the
/// service cannot trust fails the write, which is counted and never reaches the sink.
@Suite(.serialized) struct SubscriberHTTPSTests {
    static let sink = """
    import http.server, ssl, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            with open(sys.argv[2], 'ab') as f: f.write(self.path.encode() + b'\\n' + body)
            self.send_response(204); self.end_headers()
        def log_message(self, *a): pass
    s = http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H)
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[3], sys.argv[4])
    s.socket = c.wrap_socket(s.socket, server_side=True)
    s.serve_forever()
    """

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) failed")
    }

    @Test(.enabled(if: available), arguments: ["ca-certs", "insecure-skip-verify", "untrusted"])
    func forwardsOverHTTPS(trust: String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-https-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key, received) = (dir.appendingPathComponent("cert.pem").path, dir.appendingPathComponent("key.pem").path,
                                     dir.appendingPathComponent("received").path)
        try Self.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        let script = dir.appendingPathComponent("sink.py")
        try Self.sink.write(to: script, atomically: true, encoding: .utf8)
        let port = DaemonProcessTests.freePort()
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sink.arguments = ["python3", script.path, "\(port)", received, cert, key]
        sink.standardOutput = FileHandle.nullDevice
        sink.standardError = FileHandle.nullDevice
        try sink.run()
        // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
        defer { kill(sink.processIdentifier, SIGKILL); sink.waitUntilExit() }
        var listening = false
        for _ in 0..<200 where !listening {
            listening = Self.accepts(port)
            if !listening { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(listening)
        let settings = SubscriberSettings(insecureSkipVerify: trust == "insecure-skip-verify", caCerts: trust == "ca-certs" ? cert : "",
                                          writeConcurrency: 1)
        try await SubscriberServiceTests.withService(settings) { env in
            try await env.subscribe("s", ["https://127.0.0.1:\(port)"])
            try await env.write("cpu,host=a value=1 1000000000")
            if trust == "untrusted" {
                try await SubscriberServiceTests.until("the failure counted") { env.service.statistics.writeFailures == 1 }
                #expect(!FileManager.default.fileExists(atPath: received))
            } else {
                try await SubscriberServiceTests.until("the write received") { FileManager.default.fileExists(atPath: received) }
                try await SubscriberServiceTests.until("the counter") { env.service.statistics.pointsWritten == 1 }
                let text = String(decoding: FileManager.default.contents(atPath: received) ?? Data(), as: UTF8.self)
                #expect(text == "/write?consistency=&db=db&precision=ns&rp=autogen\ncpu,host=a value=1 1000000000\n")
            }
        }
    }

    /// Whether something accepts TCP connections on the loopback `port`.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return DaemonProcessTests.withLoopback(port) { connect(fd, $0, $1) } == 0
    }
}
