extension SelectStatement {
    /// The `GROUP BY time(interval)` interval (ns, 0 without one), or 1.x's error text.
    public var groupByInterval: (value: Int64, error: String?) {
        for d in dimensions {
            guard case .call(let name, let args) = d, name == "time" else { continue }
            guard args.count >= 1 && args.count <= 2 else { return (0, "time dimension expected 1 or 2 arguments") }
            guard case .duration(let v) = args[0] else { return (0, "time dimension must have duration argument") }
            return (v, nil)
        }
        return (0, nil)
    }
}

extension CreateContinuousQuery {
    /// 1.x's `validate`: the RESAMPLE FOR window must cover the interval.
    var validationError: ParseError? {
        let (value, error) = source.groupByInterval
        if let error { return .plain(error) }
        var interval = value
        if resampleFor != 0 {
            if resampleEvery != 0 && resampleEvery > interval { interval = resampleEvery }
            if interval > resampleFor {
                return .plain("FOR duration must be >= GROUP BY time duration: must be a minimum of \(Duration.format(interval)), got \(Duration.format(resampleFor))")
            }
        }
        return nil
    }
}
