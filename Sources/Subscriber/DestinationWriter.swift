import Foundation
import Logging
import NIOPosix

/// Sends a subscription's writes to one destination.
protocol DestinationWriter: Sendable {
    /// Sends `batch`; throws what went wrong, in the words 1.x logs.
    func write(_ batch: WriteBatch) async throws
    /// Releases what the writer holds (called once, after its last write).
    func close() async
}

/// A write a destination refused or could not take; `description` is the text 1.x logs.
struct DestinationError: Error, CustomStringConvertible {
    var description: String
}

/// Why a subscription could not be started (1.x's `createSubscription` errors).
struct SubscriptionError: Error, CustomStringConvertible {
    var description: String
}

enum DestinationWriters {
    /// The writer for `url` (1.x's `newPointsWriter`): `udp://host:port`, `http://…` or
    /// `https://…`, the last checked as `settings` say.
    static func make(url: String, settings: SubscriberSettings, logger: Logger) async throws(SubscriptionError) -> any DestinationWriter {
        guard let components = URLComponents(string: url), let scheme = components.scheme else {
            throw SubscriptionError(description: "failed to parse destination: \(url)")
        }
        let failed = SubscriptionError(description: "failed to create writer for destination: \(url)")
        switch scheme {
        case "udp":
            guard let host = components.host, let port = components.port else { throw failed }
            return UDPDestination(host: host, port: port)
        case "http":
            guard let endpoint = HTTPEndpoint(components) else { throw failed }
            return HTTPDestination(endpoint: endpoint, tls: nil, settings: settings)
        case "https":
            guard let endpoint = HTTPEndpoint(components) else { throw failed }
            if settings.insecureSkipVerify {
                logger.warning("'insecure-skip-verify' is true. This will skip all certificate verifications.")
            }
            guard let tls = try? await HTTPDestination.tlsConfiguration(settings) else { throw failed }
            return HTTPDestination(endpoint: endpoint, tls: tls, settings: settings)
        default:
            throw failed
        }
    }
}
