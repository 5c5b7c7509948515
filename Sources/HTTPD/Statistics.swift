import LineProtocol
import Synchronization
import GoText

/// One of the handler's counters.
final class StatCounter: Sendable {
    private let value = Atomic<Int64>(0)

    func increment(by amount: Int64 = 1) { value.add(amount, ordering: .relaxed) }
    func decrement() { value.subtract(1, ordering: .relaxed) }
    /// Adds a duration in nanoseconds.
    func add(_ duration: Duration) {
        increment(by: duration.nanosecondCount)
    }
    var current: Int64 { value.load(ordering: .relaxed) }
}

/// The handler's counters, 1.x's `httpd` statistics (tag `bind`).
final class Statistics: Sendable {
    /// The configured bind address: the `bind` tag.
    let bind: String
    let requests = StatCounter()
    let queryRequests = StatCounter()
    let writeRequests = StatCounter()
    let promWriteRequests = StatCounter()
    let promReadRequests = StatCounter()
    let pingRequests = StatCounter()
    let statusRequests = StatCounter()
    let writeRequestBytes = StatCounter()
    let queryResponseBytes = StatCounter()
    let pointsWrittenOK = StatCounter()
    let pointsWrittenDropped = StatCounter()
    let pointsWrittenFail = StatCounter()
    let clientErrors = StatCounter()
    let serverErrors = StatCounter()
    let authenticationFailures = StatCounter()
    /// Wall time spent answering (a streamed answer until it is written), and in /query and
    /// /write.
    let requestDuration = StatCounter()
    let queryRequestDuration = StatCounter()
    let writeRequestDuration = StatCounter()
    let activeRequests = StatCounter()
    let activeWriteRequests = StatCounter()

    init(bind: String) { self.bind = bind }

    /// The statistic under 1.x's field names. `recoveredPanics` is always 0: a Swift trap
    /// ends the process rather than being recovered.
    var statistic: Statistic {
        Statistic(name: "httpd", tags: ["bind": bind], values: [
            "req": .integer(requests.current),
            "queryReq": .integer(queryRequests.current),
            "writeReq": .integer(writeRequests.current),
            "pingReq": .integer(pingRequests.current),
            "statusReq": .integer(statusRequests.current),
            "writeReqBytes": .integer(writeRequestBytes.current),
            "queryRespBytes": .integer(queryResponseBytes.current),
            "pointsWrittenOK": .integer(pointsWrittenOK.current),
            "pointsWrittenDropped": .integer(pointsWrittenDropped.current),
            "pointsWrittenFail": .integer(pointsWrittenFail.current),
            "authFail": .integer(authenticationFailures.current),
            "reqDurationNs": .integer(requestDuration.current),
            "queryReqDurationNs": .integer(queryRequestDuration.current),
            "writeReqDurationNs": .integer(writeRequestDuration.current),
            "reqActive": .integer(activeRequests.current),
            "writeReqActive": .integer(activeWriteRequests.current),
            "clientError": .integer(clientErrors.current),
            "serverError": .integer(serverErrors.current),
            "recoveredPanics": 0,
            "promWriteReq": .integer(promWriteRequests.current),
            "promReadReq": .integer(promReadRequests.current),
        ])
    }
}

extension Handler: StatisticsReporter {
    public func statistics(tags: [String: String]) -> [Statistic] { [statistics.statistic.adding(tags: tags)] }
}

/// One request's part in `reqActive` and `reqDurationNs`: begun when the request arrives,
/// ended once — when its answer is handed to the connection, or for a streamed answer
/// (chunked query results) when the stream is written, as 1.x counts until its handler returns.
/// An answer that is dropped unwritten (the client went away first) ends when it is released.
final class RequestAccounting: Sendable {
    private let statistics: Statistics
    private let began = ContinuousClock.now
    private let ended = Atomic<Bool>(false)

    init(statistics: Statistics) { self.statistics = statistics }

    func end() {
        guard !ended.exchange(true, ordering: .relaxed) else { return }
        statistics.activeRequests.decrement()
        statistics.requestDuration.add(ContinuousClock.now - began)
    }

    deinit { end() }
}
