import Foundation

/// A recorded golden file (`Tests/Golden/http/<group>.json`); the format is in Spec/golden-cases.md.
struct GoldenFile: Decodable, Sendable {
    struct Setup: Decodable, Sendable {
        var databases: [String]?
    }

    struct BodyRepeat: Decodable, Sendable {
        var text: String
        var count: Int
    }

    struct Response: Decodable, Sendable {
        var status: Int
        var headers: [[String]]
        var body: String?
        var bodyBase64: String?

        var bodyBytes: [UInt8] {
            if let b64 = bodyBase64, let data = Data(base64Encoded: b64) { return Array(data) }
            return Array((body ?? "").utf8)
        }
    }

    struct Case: Decodable, Sendable {
        var name: String
        var method: String
        var path: String
        var query: String?
        var headers: [[String]]?
        var body: String?
        var bodyBase64: String?
        var bodyRepeat: BodyRepeat?
        var gzip: Bool?
        var omitContentLength: Bool?
        /// Headers compared after lossy UTF-8 decoding (Spec/golden-cases.md, Replay).
        var utf8Headers: [String]?
        /// Wait this long before sending (the server acts on its own meanwhile, e.g. snapshots).
        var pauseMs: Int?
        /// Compare bodies with the values of `…_time: ` (measured durations) blanked.
        var maskDurations: Bool?
        var response: Response

        /// The request body as sent, before optional gzip.
        var plainBody: [UInt8] {
            if let b64 = bodyBase64, let data = Data(base64Encoded: b64) { return Array(data) }
            if let r = bodyRepeat { return Array(String(repeating: r.text, count: r.count).utf8) }
            return Array((body ?? "").utf8)
        }
    }

    var group: String
    var config: [String: [String: JSONScalar]]?
    var setup: Setup?
    var cases: [Case]


    /// Every recorded file, sorted by name.
    static func all(in subdirectory: String = "http") throws -> [GoldenFile] {
        let dir = repositoryRoot.appendingPathComponent("Tests/Golden/" + subdirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            try JSONDecoder().decode(GoldenFile.self, from: Data(contentsOf: dir.appendingPathComponent(name)))
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `config` overrides as influxdb.conf text.
    var configTOML: String {
        var out = ""
        for (section, keys) in (config ?? [:]).sorted(by: { $0.key < $1.key }) {
            if !section.isEmpty { out += "[\(section)]\n" }
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) { out += "\(key) = \(value.toml)\n" }
        }
        return out
    }
}


/// A TOML scalar in a golden file's `config`.
enum JSONScalar: Decodable, Sendable {
    case bool(Bool), int(Int), string(String)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else { self = .string(try c.decode(String.self)) }
    }

    var toml: String {
        switch self {
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .string(let s): "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }
}
