/// One `[[graphite]]` listener's settings (1.x's `graphite.Config` after `WithDefaults`).
public struct GraphiteSettings: Sendable {
    public enum Transport: String, Sendable { case tcp, udp }

    public var bindAddress: String
    public var database: String
    public var retentionPolicy: String
    public var transport: Transport
    public var batchSize: Int
    public var batchPending: Int
    public var batchTimeout: Duration
    /// SO_RCVBUF of the UDP socket; 0 leaves the system's default.
    public var udpReadBuffer: Int
    public var separator: String
    public var templates: [String]
    public var tags: [String]

    /// `protocol` is matched ignoring case, as 1.x does; anything but tcp or udp is 1.x's
    /// start error. Zero batch settings and empty strings take 1.x's defaults.
    public init(bindAddress: String = ":2003", database: String = "graphite", retentionPolicy: String = "", protocol: String = "tcp",
                batchSize: Int = 5000, batchPending: Int = 10, batchTimeout: Duration = .seconds(1), udpReadBuffer: Int = 0,
                separator: String = ".", templates: [String] = [], tags: [String] = []) throws(GraphiteConfigError) {
        self.bindAddress = bindAddress.isEmpty ? ":2003" : bindAddress
        self.database = database.isEmpty ? "graphite" : database
        self.retentionPolicy = retentionPolicy
        let name = `protocol`.isEmpty ? "tcp" : `protocol`
        guard let transport = Transport(rawValue: name.lowercased()) else {
            throw GraphiteConfigError("unrecognized Graphite input protocol \(name)")
        }
        self.transport = transport
        self.batchSize = batchSize == 0 ? 5000 : batchSize
        self.batchPending = batchPending == 0 ? 10 : batchPending
        self.batchTimeout = batchTimeout == .zero ? .seconds(1) : batchTimeout
        self.udpReadBuffer = udpReadBuffer
        self.separator = separator.isEmpty ? "." : separator
        self.templates = templates
        self.tags = tags
    }

    /// 1.x's `graphite.Config.Validate` (run for every section, enabled or not), with its text.
    public static func validate(templates: [String], tags: [String]) throws(GraphiteConfigError) {
        var filters = Set<String>()
        for (i, t) in templates.enumerated() {
            let parts = t.split(whereSeparator: \.isGoSpace).map(String.init)
            if parts.isEmpty { throw GraphiteConfigError("missing template at position: \(i)") }
            if parts.count > 3 { throw GraphiteConfigError("invalid template format: '\(t)'") }
            var template = t
            var filter = ""
            var templateTags = ""
            if parts.count >= 2 {
                if parts[1].contains("=") { (template, templateTags) = (parts[0], parts[1]) } else { (filter, template) = (parts[0], parts[1]) }
            }
            if parts.count == 3 { templateTags = parts[2] }
            let pieces = template.split(separator: ".", omittingEmptySubsequences: false)
            if !pieces.contains(where: { $0 == "measurement" || $0 == "measurement*" }) {
                throw GraphiteConfigError("no measurement in template `\(template)`")
            }
            if filters.contains(filter) { throw GraphiteConfigError("duplicate filter '\(filter)' found at position: \(i)") }
            filters.insert(filter)
            if !filter.isEmpty {
                for p in filter.split(separator: ".", omittingEmptySubsequences: false) {
                    if p.isEmpty { throw GraphiteConfigError("filter contains blank section: \(filter)") }
                    if p.contains("*") && p != "*" { throw GraphiteConfigError("invalid filter wildcard section: \(filter)") }
                }
            }
            if !templateTags.isEmpty {
                for tag in templateTags.split(separator: ",", omittingEmptySubsequences: false) { try validateTag(String(tag)) }
            }
        }
        for tag in tags { try validateTag(tag) }
    }

    static func validateTag(_ keyValue: String) throws(GraphiteConfigError) {
        let parts = keyValue.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw GraphiteConfigError("invalid template tags: '\(keyValue)'") }
        // 1.x's text, with its unbalanced quote.
        if parts[0].isEmpty || parts[1].isEmpty { throw GraphiteConfigError("invalid template tags: \(keyValue)'") }
    }
}
