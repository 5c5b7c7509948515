extension Point {
    /// Builds a point from unescaped parts, as another input (graphite, prometheus, tests) would;
    /// it is validated exactly as a parsed line, with tags sorted canonically.
    public init(measurement: String, tags: [(String, String)], fields: [(String, FieldValue)], time: Int64) throws(LineError) {
        try self.init(measurement: Array(measurement.utf8), tags: tags.map { (Array($0.0.utf8), Array($0.1.utf8)) },
                      fields: fields.map { (Array($0.0.utf8), $0.1) }, time: time)
    }

    /// As ``init(measurement:tags:fields:time:)`` from raw bytes, which are kept as they are
    /// (1.x's `models.NewPoint` takes any bytes; a `String` would replace invalid UTF-8).
    public init(measurement: [UInt8], tags: [([UInt8], [UInt8])], fields: [([UInt8], FieldValue)], time: Int64) throws(LineError) {
        var line: [UInt8] = []
        line.reserveCapacity(measurement.count + 48)
        Escaping.escape(measurement, Escaping.measurement, into: &line)
        for (k, v) in tags {
            line.append(ASCII.comma)
            Escaping.escape(k, Escaping.tag, into: &line)
            line.append(ASCII.equals)
            Escaping.escape(v, Escaping.tag, into: &line)
        }
        line.append(ASCII.space)
        for (n, (k, v)) in fields.enumerated() {
            if n > 0 { line.append(ASCII.comma) }
            Escaping.escape(k, Escaping.fieldKey, into: &line)
            line.append(ASCII.equals)
            Self.appendValue(v, to: &line)
        }
        line.append(ASCII.space)
        line += Array(String(time).utf8)
        let options = ParseOptions(allowUnsigned: true, defaultTime: time)
        let parsed = line.withUnsafeBytes { bytes -> Result<Point, LineError> in
            do throws(ScanError) {
                return .success(try LineProtocolParser.parseLine(bytes, options: options))
            } catch {
                return .failure(LineError(lineBytes: Array(bytes), reason: error.reason))
            }
        }
        switch parsed {
        case .success(let point): self = point
        case .failure(let error): throw error
        }
    }

    /// Canonical line protocol: the series key, the fields, and the time in `precision`
    /// units. No trailing newline. Lossy when a key or string holds invalid UTF-8 (1.x accepts
    /// any bytes); use ``lineProtocolBytes(precision:)`` where the exact bytes matter.
    public func lineProtocol(precision: Precision = .nanosecond) -> String {
        String(decoding: lineProtocolBytes(precision: precision), as: UTF8.self)
    }

    /// Canonical line protocol as bytes, exactly as stored; no trailing newline.
    public func lineProtocolBytes(precision: Precision = .nanosecond) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(storage.count + 22)
        appendLineProtocol(to: &out, precision: precision)
        return out
    }

    /// Appends the canonical line (no newline) to `buffer`.
    public func appendLineProtocol(to buffer: inout [UInt8], precision: Precision) {
        buffer += seriesKey
        buffer.append(ASCII.space)
        buffer += rawFields
        buffer.append(ASCII.space)
        buffer += Array(String(time / precision.nanosecondsPerUnit).utf8)
    }

    static func appendValue(_ value: FieldValue, to out: inout [UInt8]) {
        switch value {
        case .float(let d): out += Array(d.description.utf8)
        case .integer(let i): out += Array("\(i)i".utf8)
        case .unsigned(let u): out += Array("\(u)u".utf8)
        case .boolean(let b): out += Array((b ? "true" : "false").utf8)
        case .string(let s):
            out.append(ASCII.quote)
            Escaping.escape(s, Escaping.stringValue, into: &out)
            out.append(ASCII.quote)
        }
    }
}
