/// Go's `host:port` listen addresses: `:2003` listens on every interface, `[::1]:4242` on an
/// IPv6 host.
public enum ListenAddress {
    /// The host (`0.0.0.0` when empty) and port, or nil when `address` has no valid port.
    public static func split(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
