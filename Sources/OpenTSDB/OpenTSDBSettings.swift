/// One `[[opentsdb]]` listener's settings (1.x's `opentsdb.Config` after `WithDefaults`).
public struct OpenTSDBSettings: Sendable {
    public var bindAddress: String
    public var database: String
    public var retentionPolicy: String
    public var tlsEnabled: Bool
    /// A PEM file holding the certificate chain and its private key.
    public var certificate: String
    public var logPointErrors: Bool
    public var batchSize: Int
    public var batchPending: Int
    public var batchTimeout: Duration

    /// Zero batch settings and empty strings take 1.x's defaults.
    public init(bindAddress: String = ":4242", database: String = "opentsdb", retentionPolicy: String = "", tlsEnabled: Bool = false,
                certificate: String = "/etc/ssl/influxdb.pem", logPointErrors: Bool = true, batchSize: Int = 1000, batchPending: Int = 5,
                batchTimeout: Duration = .seconds(1)) {
        self.bindAddress = bindAddress.isEmpty ? ":4242" : bindAddress
        self.database = database.isEmpty ? "opentsdb" : database
        self.retentionPolicy = retentionPolicy
        self.tlsEnabled = tlsEnabled
        self.certificate = certificate.isEmpty ? "/etc/ssl/influxdb.pem" : certificate
        self.logPointErrors = logPointErrors
        self.batchSize = batchSize == 0 ? 1000 : batchSize
        self.batchPending = batchPending == 0 ? 5 : batchPending
        self.batchTimeout = batchTimeout == .zero ? .seconds(1) : batchTimeout
    }
}
