import LineProtocol

/// Receives every write the ``PointsWriter`` accepted (1.x's `AddWriteSubscriber`, which the
/// subscriber service uses to forward writes to its destinations).
///
/// Called on the writer's task before the write returns, so it must hand the points off and
/// return at once: it may take a short lock, never wait for I/O or another task.
public protocol WriteSubscriber: Sendable {
    /// `points` were written to `database`.`retentionPolicy` (the policy actually used: the
    /// database's default when the request named none).
    func pointsWritten(database: String, retentionPolicy: String, points: [Point])
}
