import TSM

extension Store {
    /// A database's series file: nil while one caller opens it.
    enum SeriesFileSlot {
        case opening
        case open(SeriesFile)
    }

    /// The series file of `database` (`<data>/<db>/_series`), opened once — by one caller at
    /// a time, the others waiting for it — when its first tsi1 shard opens. Blocks: call on the
    /// store's pool.
    func seriesFile(of database: String) throws(StoreError) -> SeriesFile {
        let claim = seriesFiles.wait { all -> SeriesFile?? in
            switch all[database] {
            case .open(let file)?: return .some(file)
            case .opening?: return nil
            case nil:
                all[database] = .opening
                return .some(nil)
            }
        }
        if let file = claim { return file }
        do throws(SeriesFileError) {
            let file = try SeriesFile.open(path: "\(dataDir)/\(database)/_series")
            seriesFiles.update { $0[database] = .open(file) }
            return file
        } catch {
            seriesFiles.update { $0[database] = nil }
            throw .engine("series file of \(database): \(error)")
        }
    }

    /// Forgets a dropped database's series file (its directory goes with the database's).
    func closeSeriesFile(of database: String) {
        let slot = seriesFiles.update { $0.removeValue(forKey: database) }
        if case .open(let file)? = slot { file.close() }
    }

    /// Writes every open series file's pages to disk (at shutdown).
    func closeSeriesFiles() {
        let all = seriesFiles.update { all -> [SeriesFile] in
            let open = all.values.compactMap { slot -> SeriesFile? in if case .open(let f) = slot { f } else { nil } }
            all = [:]
            return open
        }
        for file in all { file.close() }
    }
}
