/// The `[subscriber]` settings the service runs with (the daemon maps its config section onto
/// these; 1.x's defaults).
public struct SubscriberSettings: Sendable, Hashable {
    /// `http-timeout`: the whole of one HTTP write, connection to response.
    public var httpTimeout: Duration
    /// `insecure-skip-verify`: https destinations' certificates are not checked (unless
    /// `ca-certs` is set, which 1.x lets take precedence).
    public var insecureSkipVerify: Bool
    /// `ca-certs`: a PEM file of the roots https destinations are checked against; empty means
    /// the system's.
    public var caCerts: String
    /// `write-concurrency`: writes in flight at once per subscription.
    public var writeConcurrency: Int
    /// `write-buffer-size`: writes waiting per subscription before new ones are dropped.
    public var writeBufferSize: Int

    public init(httpTimeout: Duration = .seconds(30), insecureSkipVerify: Bool = false, caCerts: String = "",
                writeConcurrency: Int = 40, writeBufferSize: Int = 1000) {
        self.httpTimeout = httpTimeout
        self.insecureSkipVerify = insecureSkipVerify
        self.caCerts = caCerts
        self.writeConcurrency = writeConcurrency
        self.writeBufferSize = writeBufferSize
    }
}
