extension TSMReader {
    /// The points of `key` in `[min, max]` as type-tagged values, or nil if the file lacks the key.
    public func values(for key: [UInt8], min: Int64 = .min, max: Int64 = .max) throws(TSMFileError) -> WALValues? {
        guard let (type, _) = entries(for: key) else { return nil }
        switch type {
        case .float: let r = try read(key: key, min: min, max: max, as: Double.self); return .float(r.timestamps, r.values)
        case .integer: let r = try read(key: key, min: min, max: max, as: Int64.self); return .integer(r.timestamps, r.values)
        case .unsigned: let r = try read(key: key, min: min, max: max, as: UInt64.self); return .unsigned(r.timestamps, r.values)
        case .boolean: let r = try read(key: key, min: min, max: max, as: Bool.self); return .boolean(r.timestamps, r.values)
        case .string: let r = try read(key: key, min: min, max: max, as: String.self); return .string(r.timestamps, r.values.map { Array($0.utf8) })
        }
    }
}

extension TSMWriter {
    /// Writes `values` for `key` in blocks of at most 1000 points.
    public mutating func write(key: [UInt8], values: WALValues, flavor: EncoderFlavor = .streaming) throws(TSMFileError) {
        switch values {
        case .float(let t, let v): try write(key: key, timestamps: t, values: v, flavor: flavor)
        case .integer(let t, let v): try write(key: key, timestamps: t, values: v, flavor: flavor)
        case .unsigned(let t, let v): try write(key: key, timestamps: t, values: v, flavor: flavor)
        case .boolean(let t, let v): try write(key: key, timestamps: t, values: v, flavor: flavor)
        case .string(let t, let v): try write(key: key, timestamps: t, values: v.map { String(decoding: $0, as: UTF8.self) }, flavor: flavor)
        }
    }
}
