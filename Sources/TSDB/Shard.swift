import Foundation
import LineProtocol
import Synchronization
import TSM

/// One shard: a TSM engine over `data/<db>/<rp>/<id>` and `wal/<db>/<rp>/<id>`, plus the
/// field types of its measurements (`fields.idx`), checked on every write as 1.x's
/// `Shard.validateSeriesAndFields` does.
///
/// Writes run concurrently, with no shard-wide lock: fields are validated against the
/// published field set, and a write that creates fields publishes the new set under a short
/// lock (validating again against what other writers published meanwhile), then waits for
/// `fields.idx` to hold it — one rewrite of the file serving every writer waiting (group
/// commit), with no lock held during the I/O.
public final class Shard: Sendable {
    public let id: UInt64
    public let database: String
    public let retentionPolicy: String
    public let path: String
    public let engine: Engine
    /// The published field set and its version (bumped by every change).
    let fields: Mutex<(set: MeasurementFieldSet, version: UInt64)>
    /// Makes field-set versions durable in `fields.idx`.
    let fieldsFile: GroupCommit<FieldsIndexError>
    /// The shard's series by measurement: `inmem` or `tsi1` (``SeriesIndexing``).
    public let index: any SeriesIndexing
    /// The series of the shard's whole database (shared by its shards), for the limits.
    let databaseSeries: DatabaseSeries
    let limits: SeriesLimits
    /// Serialises DROP MEASUREMENT, DROP SERIES and DELETE on this shard (writes do not take it).
    let deleteLock = Mutex(())
    /// 1.x's `shard` statistic counters (``statistics(tags:)``).
    let counters = ShardCounters()
    /// The shard's statistic tags: `database`, `retentionPolicy`, `id`, `engine`, `path`, `walPath`.
    public let statisticTags: [String: String]

    /// Opens (or creates) the shard: field index, TSM files, WAL replay. `log` receives what 1.x
    /// would log while it opens (corrupt files set aside, `fields.idx` rebuilt).
    ///
    /// A `fields.idx` that cannot be read is rebuilt from the types of the stored keys (TSM
    /// indexes and the replayed WAL) with 1.x's warning, as 1.x's engine does; the shard fails
    /// only if the rebuilt file cannot be saved.
    public init(id: UInt64, database: String, retentionPolicy: String, dataDir: String, walDir: String, config: EngineConfig = EngineConfig(),
                scheduler: EngineScheduler? = nil, databaseSeries: DatabaseSeries = DatabaseSeries(), limits: SeriesLimits = SeriesLimits(),
                indexVersion: IndexVersion = .inmem, maxIndexLogFileSize: Int = 1 << 20, seriesIDSetCacheSize: Int = 100, indexEveryKey: Bool = false,
                seriesFile: () throws(StoreError) -> SeriesFile = { () throws(StoreError) in throw StoreError.engine("no series file") },
                log: @escaping StorageLog = { _ in }) throws(StoreError) {
        self.id = id
        self.databaseSeries = databaseSeries
        self.limits = limits
        self.database = database
        self.retentionPolicy = retentionPolicy
        path = "\(dataDir)/\(database)/\(retentionPolicy)/\(id)"
        let walPath = "\(walDir)/\(database)/\(retentionPolicy)/\(id)"
        statisticTags = ["database": database, "retentionPolicy": retentionPolicy, "id": String(id), "engine": "tsm1",
                         "path": path, "walPath": walPath]
        // As 1.6: a shard on disk keeps the index it has (tsi1 if it has an `index` directory,
        // else inmem); a new one takes `index-version`.
        let existed = FileManager.default.fileExists(atPath: path)
        let persisted = existed ? FileManager.default.fileExists(atPath: path + "/index") : indexVersion == .tsi1
        engine = Engine(path: path, walPath: walPath, config: config, scheduler: scheduler, log: log)
        do throws(EngineError) { _ = try engine.open() } catch { throw .engine(error.description) }
        index = persisted
            ? try TSI1Index.open(shardPath: path, seriesFile: seriesFile(), maxLogFileSize: maxIndexLogFileSize,
                                 seriesIDSetCacheSize: seriesIDSetCacheSize, sharing: databaseSeries)
            : SeriesIndex(sharing: databaseSeries)
        var set = MeasurementFieldSet()
        // fields.idx is written before data reaches the WAL, so it is normally complete; a
        // field it lacks (a shard copied without it, or written by another server) is learnt
        // back from the stored keys, as 1.x's inmem index does when it loads the shard.
        var learnt = false
        do throws(FieldsIndexError) { set = try MeasurementFieldSet.load(path + "/fields.idx") } catch {
            // 1.x's Engine.Open: the text and the double space are influxd's.
            log(StorageEvent(.warning, "error opening fields.idx: \(error).  Rebuilding.", [("engine", "tsm1"), ("db_shard_id", String(id))]))
            learnt = true  // saved below, even if nothing is stored (the damaged file goes)
        }
        // A tsi1 shard's index is on disk: only what the WAL replayed into the cache can be
        // missing from it, so the TSM files' keys are read only to rebuild fields.idx, or when
        // files came from elsewhere (`indexEveryKey`: a restore).
        let keys = persisted && !learnt && !indexEveryKey ? engine.cache.keys : engine.keys
        // Keys come sorted, so a series' fields are adjacent and a measurement's series too:
        // each series key is taken once (no set of every key), and a field already checked
        // for the current measurement is skipped without decoding the key.
        var seriesKeys: [[UInt8]] = []
        var checked = CheckedFields()
        for key in keys {
            let sep = Self.fieldSeparatorStart(key)
            if seriesKeys.last.map({ !$0.elementsEqual(key[..<sep]) }) ?? true { seriesKeys.append(Array(key[..<sep])) }
            if checked.contains(key, separator: sep) { continue }
            checked.insert(key, separator: sep)
            let (measurement, field) = Self.split(key)
            guard set.type(of: field, in: measurement) == nil, let type = engine.storedType(of: key) else { continue }
            set.fields[measurement, default: [:]][field] = FieldType(type)
            learnt = true
        }
        if learnt {
            do throws(FieldsIndexError) { try set.save(path + "/fields.idx") } catch { throw .engine(error.description) }
        }
        fields = Mutex((set, 1))
        fieldsFile = GroupCommit(durable: 1)
        try register(index.add(seriesKeys))
    }

    /// New series the index took: the database counts them (a tsi1 index counts its own).
    func register(_ added: [ParsedSeriesKey]) {
        if index.version == .inmem { databaseSeries.add(added) }
    }

    /// The series key part of a TSM key (`cpu,host=a#!~#value` → `cpu,host=a`).
    static func seriesKey(ofTSMKey key: [UInt8]) -> [UInt8] {
        Array(key[..<fieldSeparatorStart(key)])
    }

    /// Where the last `#!~#` of a TSM key starts (the key's length when it has none).
    public static func fieldSeparatorStart(_ key: [UInt8]) -> Int {
        key.withUnsafeBufferPointer { b in
            var i = b.count - 4
            while i >= 0 {
                if b[i] == 0x23 && b[i + 1] == 0x21 && b[i + 2] == 0x7E && b[i + 3] == 0x23 { return i }
                i -= 1
            }
            return b.count
        }
    }

    /// The (measurement, field) pairs of the current measurement already checked against
    /// fields.idx while a shard opens; forgotten when the measurement changes.
    struct CheckedFields {
        private var measurement: [UInt8] = []
        private var fields: [[UInt8]] = []

        /// The end of the key's (escaped) measurement: its first unescaped comma.
        private static func measurementEnd(_ key: [UInt8], _ separator: Int) -> Int {
            var end = 0
            while end < separator && !(key[end] == UInt8(ascii: ",") && (end == 0 || key[end - 1] != UInt8(ascii: "\\"))) { end += 1 }
            return end
        }

        func contains(_ key: [UInt8], separator: Int) -> Bool {
            let end = Self.measurementEnd(key, separator)
            guard measurement.elementsEqual(key[..<end]) else { return false }
            let field = key[Swift.min(key.count, separator + 4)...]
            return fields.contains { $0.elementsEqual(field) }
        }

        mutating func insert(_ key: [UInt8], separator: Int) {
            let end = Self.measurementEnd(key, separator)
            if !measurement.elementsEqual(key[..<end]) {
                measurement = Array(key[..<end])
                fields = []
            }
            // A measurement with very many fields is checked key by key rather than scanned.
            if fields.count < 256 { fields.append(Array(key[Swift.min(key.count, separator + 4)...])) }
        }
    }

    /// Validates and stores points. Returns normally when every point was written; throws a
    /// partial write (the others were stored) or a whole-write error.
    ///
    /// Counted as 1.x's shard counts: every call is a `writeReq`; one that reaches the engine
    /// is a `writeReqOk` (its points stored in `writePointsOk`, partial or not) or, if the
    /// engine fails, a `writeReqErr` (its points in `writePointsErr`); a batch refused before
    /// (conflicting new fields, `fields.idx` not saved) is neither, as in 1.x.
    public func write(_ points: [Point]) throws(WriteError) {
        counters.writeReq.add(1, ordering: .relaxed)
        let batch = PointBatch(points)
        var keep = [Bool](repeating: true, count: points.count)
        let limited = admitSeries(points, batch, keep: &keep)
        // Fields are validated per column of the batch; only a batch with something 1.x drops
        // point by point (a type conflict, a `time` tag or field) is validated point by point.
        var built = batch.build(points, keep: keep, known: index)
        var problem: WriteError?
        var created: Int?
        if !built.irregular { created = try validateColumns(built.fields) }
        if created == nil {
            let validated = try validateFields(points, keep: &keep)
            problem = validated.error
            created = validated.created
            counters.writePointsDropped.add(Int64(validated.conflicts), ordering: .relaxed)
            built = batch.build(points, keep: keep, known: index)
        }
        counters.fieldsCreate.add(Int64(created ?? 0), ordering: .relaxed)
        if let limited {
            counters.writePointsDropped.add(Int64(limited.dropped), ordering: .relaxed)
            // 1.x: the series limit's reason wins; drops add up.
            switch problem {
            case .partial(_, let n)?: problem = .partial(reason: limited.reason, dropped: limited.dropped + n)
            case nil: problem = .partial(reason: limited.reason, dropped: limited.dropped)
            default: break
            }
        }
        if !built.fresh.isEmpty {
            do throws(StoreError) { register(try index.add(built.fresh)) } catch { throw .server(error.description) }
        }
        var stored = 0
        for kept in keep where kept { stored += 1 }
        if !built.values.isEmpty {
            do throws(EngineError) { try engine.write(built.values, keysAreUnique: true) } catch {
                counters.writePointsErr.add(Int64(stored), ordering: .relaxed)
                counters.writeReqErr.add(1, ordering: .relaxed)
                throw .server(error.description)
            }
        }
        counters.writePointsOk.add(Int64(stored), ordering: .relaxed)
        counters.writeReqOk.add(1, ordering: .relaxed)
        if let problem { throw problem }
    }

    /// Validation per column: every (measurement, field) of the batch has one kind, the type the
    /// shard has for it where it has one; new fields are published and saved. Returns the number
    /// of fields created, or nil when the batch must be validated point by point instead (a
    /// conflict, within the batch or with the shard, which 1.x reports and drops per point).
    private func validateColumns(_ written: [(measurement: String, field: [UInt8], kind: FieldKind)]) throws(WriteError) -> Int? {
        var kinds: [String: [ByteKey: FieldKind]] = [:]
        for (measurement, field, kind) in written {
            let key = ByteKey(field)
            if let seen = kinds[measurement]?[key] {
                if seen != kind { return nil }
            } else {
                kinds[measurement, default: [:]][key] = kind
            }
        }
        let set = fields.withLock { $0.set }
        var new: [(measurement: String, field: String, type: FieldType)] = []
        for (measurement, byField) in kinds {
            for (field, kind) in byField {
                let name = String(decoding: Point.unescapedFieldKey(field.bytes), as: UTF8.self)
                let type = FieldType(kind)
                if let existing = set.type(of: name, in: measurement) {
                    if existing != type { return nil }
                } else {
                    new.append((measurement, name, type))
                }
            }
        }
        guard !new.isEmpty else { return 0 }
        // Others may have published fields meanwhile: check again against the latest set.
        let published = fields.withLock { f -> (version: UInt64, created: Int)? in
            for field in new {
                if let existing = f.set.type(of: field.field, in: field.measurement), existing != field.type { return nil }
            }
            var created = 0
            for field in new where f.set.type(of: field.field, in: field.measurement) == nil {
                f.set.fields[field.measurement, default: [:]][field.field] = field.type
                created += 1
            }
            f.version += 1
            return (f.version, created)
        }
        guard let published else { return nil }
        try saveFields(upTo: published.version)
        return published.created
    }

    /// Field validation point by point against the published set; a batch that creates fields
    /// publishes them and waits until `fields.idx` holds them. Returns the partial-write error,
    /// the fields created and the points dropped for a type conflict.
    private func validateFields(_ points: [Point], keep: inout [Bool]) throws(WriteError) -> (error: WriteError?, created: Int, conflicts: Int) {
        var candidate = fields.withLock { $0.set }
        var trial = keep
        let first = candidate.validate(points, keep: &trial)
        guard first.created > 0 else {
            keep = trial
            if case .client? = first.error { throw first.error! }
            return (first.error, 0, first.conflicts)
        }
        // Others may have published fields meanwhile: validate again against the latest set.
        let (result, version) = fields.withLock { f -> ((created: Int, error: WriteError?, conflicts: Int), UInt64) in
            var latest = f.set
            let r = latest.validate(points, keep: &keep)
            if case .client? = r.error { return (r, f.version) }
            if r.created > 0 {
                f.set = latest
                f.version += 1
            }
            return (r, f.version)
        }
        if case .client? = result.error { throw result.error! }
        try saveFields(upTo: version)
        return (result.error, result.created, result.conflicts)
    }

    /// Returns once `fields.idx` holds field-set version `version` or a later one.
    func saveFields(upTo version: UInt64) throws(WriteError) {
        do throws(FieldsIndexError) {
            try fieldsFile.waitDurable(version) { () throws(FieldsIndexError) -> UInt64 in
                let (set, current) = fields.withLock { ($0.set, $0.version) }
                try set.save(path + "/fields.idx")
                return current
            }
        } catch {
            throw .server(error.description)
        }
    }

    /// Changes the field set (deletes), publishes and saves it.
    func changeFields(_ body: (inout MeasurementFieldSet) -> Bool) throws(StoreError) {
        let version = fields.withLock { f -> UInt64? in
            guard body(&f.set) else { return nil }
            f.version += 1
            return f.version
        }
        guard let version else { return }
        do throws(WriteError) { try saveFields(upTo: version) } catch { throw .engine(error.description) }
    }

    /// The shard's field types.
    public var fieldSet: MeasurementFieldSet { fields.withLock { $0.set } }

    /// Points as the engine stores them: one TSM key (`series key#!~#field`, the field name
    /// unescaped as 1.x does) per field; a field named `time` is skipped.
    static func series(_ points: [Point]) -> [(key: [UInt8], values: WALValues)] {
        PointBatch(points).build(points, keep: [Bool](repeating: true, count: points.count), known: nil).values
    }

    /// `measurement,tags#!~#field` → (unescaped measurement, field).
    static func split(_ key: [UInt8]) -> (String, String) {
        let fieldStart = fieldSeparatorStart(key)
        let measurement = SeriesKey.name(ofEscaped: key[..<fieldStart])
        let field = fieldStart < key.count ? Array(key[(fieldStart + TSMFormat.fieldSeparator.count)...]) : []
        return (String(decoding: measurement, as: UTF8.self), String(decoding: field, as: UTF8.self))
    }
}

/// 1.x's `[data] index-version`: which index a new shard gets.
public enum IndexVersion: String, Sendable, Hashable {
    /// In memory, rebuilt from the TSM keys when the shard opens.
    case inmem
    /// Persisted in the shard's `index` directory (`Spec/tsi.md`).
    case tsi1
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
