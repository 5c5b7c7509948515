import Foundation
import LineProtocol
import Synchronization
import TSM

/// One shard: a TSM engine over `data/<db>/<rp>/<id>` and `wal/<db>/<rp>/<id>`, plus the
/// field types of its measurements (`fields.idx`), checked on every write as 1.x's
/// `Shard.validateSeriesAndFields` does.
public final class Shard: Sendable {
    public let id: UInt64
    public let database: String
    public let retentionPolicy: String
    public let path: String
    public let engine: Engine
    let fields: Mutex<MeasurementFieldSet>
    /// The shard's series by measurement.
    public let index: any SeriesIndexing = SeriesIndex()
    /// The series of the shard's whole database (shared by its shards), for the limits.
    let databaseSeries: DatabaseSeries
    let limits: SeriesLimits
    /// Serialises validation + engine write so field types and data agree.
    let writeLock = Mutex(())

    /// Opens (or creates) the shard: field index, TSM files, WAL replay.
    public init(id: UInt64, database: String, retentionPolicy: String, dataDir: String, walDir: String, config: EngineConfig = EngineConfig(),
                databaseSeries: DatabaseSeries = DatabaseSeries(), limits: SeriesLimits = SeriesLimits()) throws(StoreError) {
        self.id = id
        self.databaseSeries = databaseSeries
        self.limits = limits
        self.database = database
        self.retentionPolicy = retentionPolicy
        path = "\(dataDir)/\(database)/\(retentionPolicy)/\(id)"
        engine = Engine(path: path, walPath: "\(walDir)/\(database)/\(retentionPolicy)/\(id)", config: config)
        do throws(EngineError) { _ = try engine.open() } catch { throw .engine(error.description) }
        var set: MeasurementFieldSet
        do throws(FieldsIndexError) { set = try MeasurementFieldSet.load(path + "/fields.idx") } catch { throw .engine(error.description) }
        // fields.idx is written before data, so it is complete; a shard without one (copied
        // without it) learns its field types back from the stored values.
        for key in set.fields.isEmpty ? engine.keys : [] {
            let (measurement, field) = Self.split(key)
            if set.type(of: field, in: measurement) == nil, let values = try? engine.read(key: key) {
                set.fields[measurement, default: [:]][field] = FieldType(values)
            }
        }
        fields = Mutex(set)
        databaseSeries.add(index.add(Set(engine.keys.map { Self.seriesKey(ofTSMKey: $0) })))
    }

    /// The series key part of a TSM key (`cpu,host=a#!~#value` → `cpu,host=a`).
    static func seriesKey(ofTSMKey key: [UInt8]) -> [UInt8] {
        let sep = TSMFormat.fieldSeparator
        var i = key.count - sep.count
        while i >= 0 {
            if key[i] == sep[0] && Array(key[i..<(i + sep.count)]) == sep { return Array(key[..<i]) }
            i -= 1
        }
        return key
    }

    /// Validates and stores points. Returns normally when every point was written; throws a
    /// partial write (the others were stored) or a whole-write error.
    public func write(_ points: [Point]) throws(WriteError) {
        try writeLock.withLock { (_) throws(WriteError) in
            let (admitted, limited) = admitSeries(points)
            let before = fields.withLock { $0 }
            var after = before
            var (accepted, problem) = after.validate(admitted)
            if let limited {
                // 1.x: the series limit's reason wins; drops add up.
                switch problem {
                case .partial(_, let n)?: problem = .partial(reason: limited.reason, dropped: limited.dropped + n)
                case nil: problem = .partial(reason: limited.reason, dropped: limited.dropped)
                default: break
                }
            }
            if after.fields != before.fields {
                do throws(FieldsIndexError) { try after.save(path + "/fields.idx") } catch { throw .server(error.description) }
                fields.withLock { $0 = after }
            }
            if !accepted.isEmpty {
                do throws(EngineError) { try engine.write(Self.series(accepted)) } catch {
                    throw .server(error.description)
                }
                databaseSeries.add(index.add(accepted.map { Array($0.seriesKey) }))
            }
            if let problem { throw problem }
        }
    }

    /// The shard's field types.
    public var fieldSet: MeasurementFieldSet { fields.withLock { $0 } }

    /// Points as the engine stores them: one TSM key (`series key#!~#field`, the field name
    /// unescaped as 1.x does) per field; a field named `time` is skipped.
    static func series(_ points: [Point]) -> [(key: [UInt8], values: WALValues)] {
        var out: [(key: [UInt8], values: WALValues)] = []
        out.reserveCapacity(points.count * 4)
        for point in points {
            let prefix = Array(point.seriesKey) + TSMFormat.fieldSeparator
            for (name, value) in point.fields where name != "time" {
                let key = prefix + Array(name.utf8)
                let t = [point.time]
                switch value {
                case .float(let v): out.append((key, .float(t, [v])))
                case .integer(let v): out.append((key, .integer(t, [v])))
                case .unsigned(let v): out.append((key, .unsigned(t, [v])))
                case .boolean(let v): out.append((key, .boolean(t, [v])))
                case .string(let v): out.append((key, .string(t, [Array(v.utf8)])))
                }
            }
        }
        return out
    }

    /// `measurement,tags#!~#field` → (unescaped measurement, field).
    static func split(_ key: [UInt8]) -> (String, String) {
        let sep = TSMFormat.fieldSeparator
        var fieldStart = key.count
        var i = key.count - sep.count
        while i >= 0 {
            if Array(key[i..<(i + sep.count)]) == sep { fieldStart = i; break }
            i -= 1
        }
        var end = 0
        while end < fieldStart && !(key[end] == UInt8(ascii: ",") && (end == 0 || key[end - 1] != UInt8(ascii: "\\"))) { end += 1 }
        var measurement: [UInt8] = []
        var j = 0
        while j < end {
            if key[j] == UInt8(ascii: "\\"), j + 1 < end, key[j + 1] == UInt8(ascii: ",") || key[j + 1] == UInt8(ascii: " ") { j += 1 }
            measurement.append(key[j])
            j += 1
        }
        let field = fieldStart < key.count ? Array(key[(fieldStart + sep.count)...]) : []
        return (String(decoding: measurement, as: UTF8.self), String(decoding: field, as: UTF8.self))
    }
}

extension FieldType {
    /// The field type of stored values.
    init(_ values: WALValues) {
        switch values {
        case .float: self = .float
        case .integer: self = .integer
        case .unsigned: self = .unsigned
        case .boolean: self = .boolean
        case .string: self = .string
        }
    }
}

/// Why the store could not open or write a shard.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case engine(String)

    public var description: String {
        switch self {
        case .engine(let why): why
        }
    }
}
