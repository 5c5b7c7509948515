/// Why a write was refused in whole or in part, with the text 1.x sends.
public enum WriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Some points were dropped; the rest were written. Rendered `partial write: <reason> dropped=<n>`.
    case partial(reason: String, dropped: Int)
    /// The whole request is bad (HTTP 400).
    case client(String)
    /// The server failed (HTTP 500).
    case server(String)

    public var description: String {
        switch self {
        case .partial(let reason, let dropped): "partial write: \(reason) dropped=\(dropped)"
        case .client(let message), .server(let message): message
        }
    }
}
