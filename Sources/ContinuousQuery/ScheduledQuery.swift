import InfluxQL
import Query

/// A failed continuous query run, with 1.x's text.
public struct ContinuousQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A stored continuous query parsed for running (1.x's `ContinuousQuery` helper): the SELECT
/// it runs, its RESAMPLE options and the clock of its `tz()`.
struct ScheduledQuery: Sendable {
    let database: String
    let name: String
    /// The SELECT … INTO, rewritten with each run's time range.
    var select: SelectStatement
    /// RESAMPLE EVERY and FOR (ns; 0 when not given).
    let resampleEvery: Int64
    let resampleFor: Int64
    let clock: CQClock

    /// Parses `query`, the text meta.db stores (`CREATE CONTINUOUS QUERY … END`).
    init(database: String, name: String, query: String) throws(ContinuousQueryError) {
        let statement: Statement
        do throws(ParseError) { statement = try Parser.parseStatement(query) } catch { throw ContinuousQueryError(error.description) }
        guard case .createContinuousQuery(let cq) = statement, cq.source.target != nil else {
            throw ContinuousQueryError("query isn't a valid continuous query")
        }
        var zone: Zone?
        if let location = cq.source.location {
            // The parser knows the same zone names; a zone gone from the system fails here.
            guard let z = Zone(location) else { throw ContinuousQueryError("unable to find time zone \(location)") }
            zone = z
        }
        self.database = database
        self.name = name
        select = cq.source
        resampleEvery = cq.resampleEvery
        resampleFor = cq.resampleFor
        clock = CQClock(zone: zone)
    }

    /// 1.x's `GroupByOffset`: the second argument of `time()` modulo the interval.
    func groupByOffset(interval: Int64) throws(ContinuousQueryError) -> Int64 {
        for case .call("time", let args) in select.dimensions {
            guard args.count == 2 else { return 0 }
            guard case .duration(let d) = args[1] else { throw ContinuousQueryError("invalid time dimension offset: \(args[1])") }
            return d % interval
        }
        return 0
    }

    /// A run's `[start, end)` time range (Unix ns).
    struct Window: Sendable, Hashable {
        var start: Int64
        var end: Int64
    }

    /// What one pass at `now` does with this query.
    struct Plan: Sendable, Hashable {
        /// The run time to remember (set whenever the query was due, even with no window).
        var lastRun: Int64
        /// The range to query; nil when it is empty.
        var window: Window?
    }

    /// 1.x's scheduling in `ExecuteContinuousQuery`: nil when the query has no GROUP BY time
    /// or is not due (`lastRun` nil: it never ran since the service started).
    func plan(now: Int64, lastRun: Int64?) throws(ContinuousQueryError) -> Plan? {
        let (interval, error) = select.groupByInterval
        if let error { throw ContinuousQueryError(error) }
        guard interval != 0 else { return nil }
        let offset = try groupByOffset(interval: interval)
        guard let nextRun = try nextRun(now: now, lastRun: lastRun, interval: interval) else { return nil }

        var every = resampleEvery != 0 ? resampleEvery : interval
        let ranAt = clock.truncate(now &- offset, every) &+ offset
        // The oldest interval is counted from the scheduled run, not from now, so a late pass
        // still covers the intervals it missed.
        var window = interval
        if resampleFor != 0 {
            window = resampleFor
        } else if interval < every {
            window = every
        }
        if interval < every { every = interval }
        let start = clock.truncate(nextRun &+ interval &- window &- offset &- 1, interval) &+ offset
        let end = clock.truncate(now &+ interval &- every &- offset, interval) &+ offset
        return Plan(lastRun: ranAt, window: end > start ? Window(start: start, end: end) : nil)
    }

    /// 1.x's `shouldRunContinuousQuery`: the time this run is scheduled at, nil when it is not
    /// due. The first run is now; later ones are one RESAMPLE EVERY (else the interval) after
    /// the last, moved by a DST change between them when it is smaller than that.
    func nextRun(now: Int64, lastRun: Int64?, interval: Int64) throws(ContinuousQueryError) -> Int64? {
        if select.isRawQuery { throw ContinuousQueryError("continuous queries must be aggregate queries") }
        let every = resampleEvery != 0 ? resampleEvery : interval
        guard let lastRun else { return now }
        var next = lastRun &+ every
        let startOffset = clock.offset(at: lastRun &- 1), endOffset = clock.offset(at: next &- 1)
        if startOffset != endOffset {
            let diff = startOffset &- endOffset
            if diff.magnitude < every.magnitude { next = next &+ diff }
        }
        return next <= now ? next : nil
    }
}
