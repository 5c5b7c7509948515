import Synchronization

/// `[coordinator] max-query-memory` (Sundial's own; 0 = no limit): the bytes one query may
/// gather — buffered rows, GROUP BY time windows, drained points, forecasts — before it stops
/// with an error. 1.x has no such bound: `GROUP BY time(1ns)` or a huge `holt_winters` horizon
/// runs until the process is out of memory or `query-timeout` ends it.
///
/// The figures are estimates charged where a query gathers data (before it allocates, where
/// the size is known up front); rows already written to a chunked response are released.
public final class QueryMemory: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) { self.limit = max(0, limit) }

    /// Bytes charged so far.
    public var bytes: Int { used.load(ordering: .relaxed) }

    /// Adds `bytes`, failing once the total is past the limit.
    func charge(_ bytes: Int) throws(StatementError) {
        guard limit > 0, bytes > 0 else { return }
        let total = used.wrappingAdd(bytes, ordering: .relaxed).newValue
        if total > limit || total < 0 { throw StatementError(Self.exceeded(max(total, bytes), limit)) }
    }

    /// Charges `count` items of `size` bytes each, refusing before anything is allocated when
    /// the product alone is past the limit (or past Int).
    func charge(_ count: Int, of size: Int) throws(StatementError) {
        guard limit > 0, count > 0 else { return }
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        if overflow || product > limit { throw StatementError(Self.exceeded(overflow ? .max : product, limit)) }
        try charge(product)
    }

    func release(_ bytes: Int) {
        guard limit > 0, bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }

    /// Estimated bytes of a row of `width` values (the array's header and its values).
    static func rowBytes(width: Int) -> Int { 32 + max(width, 1) * MemoryLayout<Value>.stride }

    static func exceeded(_ bytes: Int, _ limit: Int) -> String { "max-query-memory limit exceeded: (\(bytes)/\(limit))" }
}
