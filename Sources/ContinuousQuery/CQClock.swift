import Query

/// Time arithmetic of 1.x's continuous query service on Unix nanoseconds, in the CQ's `tz()`
/// location (UTC without one).
///
/// The service truncates from the Unix epoch shifted by the zone's offset — its own
/// `truncate`, not Go's `time.Truncate` (which counts from year 1 and so starts weeks on
/// Mondays): `GROUP BY time(1w)` CQs run on Thursdays, as the query engine's buckets fall.
struct CQClock: Sendable {
    let zone: Zone?

    /// The zone's offset east of UTC at `ns`, in nanoseconds.
    func offset(at ns: Int64) -> Int64 {
        guard let zone else { return 0 }
        return Int64(zone.seconds(ns)) * 1_000_000_000
    }

    /// 1.x's `truncate`: `ts` down to a multiple of `d` in local time; across a DST change the
    /// result keeps the wall-clock reading when the shift is smaller than `d`. Go's integer
    /// arithmetic wraps; so does this.
    func truncate(_ ts: Int64, _ d: Int64) -> Int64 {
        guard d > 0 else { return ts }
        let offset = offset(at: ts)
        var dt = (ts &+ offset) % d
        // Go's remainder takes the dividend's sign: step back into the previous multiple.
        if dt < 0 { dt += d }
        var truncated = ts &- dt
        let adjusted = self.offset(at: truncated)
        if adjusted != offset {
            let diff = offset &- adjusted
            if diff.magnitude < d.magnitude { truncated = truncated &+ diff }
        }
        return truncated
    }
}
