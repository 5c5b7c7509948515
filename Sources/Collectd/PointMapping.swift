import LineProtocol

/// How a value list with several values becomes points (`parse-multivalue-plugin`).
public enum MultiValueMode: Sendable {
    /// One point per value: measurement `<plugin>_<data source>`, field `value`.
    case split
    /// One point per value list: measurement `<plugin>`, a field per data source.
    case join

    /// `split` or `join`, as in the config.
    public init?(configValue: String) {
        switch configValue {
        case "split": self = .split
        case "join": self = .join
        default: return nil
        }
    }
}

extension ValueList {
    /// The tags 1.x gives every point of the list: `host`, `instance` (plugin instance), `type`,
    /// `type_instance`, each only when not empty.
    var tags: [(String, String)] {
        var tags: [(String, String)] = []
        if !host.isEmpty { tags.append(("host", host)) }
        if !pluginInstance.isEmpty { tags.append(("instance", pluginInstance)) }
        if !type.isEmpty { tags.append(("type", type)) }
        if !typeInstance.isEmpty { tags.append(("type_instance", typeInstance)) }
        return tags
    }

    /// The points 1.x writes for this list; a point 1.x's `NewPoint` would refuse (NaN or
    /// infinite value, time out of range, empty field name, …) is counted in `dropped`.
    ///
    /// A list without a time part is dropped too: 1.x stores it at Go's zero time, in a
    /// shard group of year 1 that no query reaches (its bounds wrap in `UnixNano`).
    public func points(_ mode: MultiValueMode, dropped: inout Int) -> [Point] {
        guard let time, time >= TimeRange.minNanoseconds && time <= TimeRange.maxNanoseconds else {
            dropped += mode == .join ? 1 : values.count
            return []
        }
        let tags = self.tags
        switch mode {
        case .split:
            var points: [Point] = []
            points.reserveCapacity(values.count)
            for (i, value) in values.enumerated() {
                do throws(LineError) {
                    points.append(try Point(measurement: plugin + "_" + dataSourceName(i), tags: tags, fields: [("value", .float(value.double))], time: time))
                } catch {
                    dropped += 1
                }
            }
            return points
        case .join:
            // A data source named twice keeps its last value, as 1.x's field map does.
            var fields: [(String, FieldValue)] = []
            for (i, value) in values.enumerated() {
                let name = dataSourceName(i)
                if let at = fields.firstIndex(where: { $0.0 == name }) { fields.remove(at: at) }
                fields.append((name, .float(value.double)))
            }
            do throws(LineError) {
                return [try Point(measurement: plugin, tags: tags, fields: fields, time: time)]
            } catch {
                dropped += 1
                return []
            }
        }
    }
}
