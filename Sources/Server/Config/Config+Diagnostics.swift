import HTTPD
import Monitor

extension Config {
    /// 1.x's configuration diagnostics (`SHOW DIAGNOSTICS`): `config` and one table per
    /// section, with 1.x's columns; durations as Go prints them, sizes as bytes. The input
    /// tables exist only when some section of that input is enabled, a row per section
    /// (`[false]` for a disabled one).
    var diagnostics: [String: Diagnostics] {
        var tables: [String: Diagnostics] = [
            // Upstream 1.x's column; Debian's 1.6.7 package renames it `reporting-enabled`.
            "config": Diagnostics(row: ["reporting-disabled": .boolean(reportingDisabled), "bind-address": .string(bindAddress)]),
            "config-data": Diagnostics(row: [
                "dir": .string(data.dir), "wal-dir": .string(data.walDir), "wal-fsync-delay": duration(data.walFsyncDelay),
                "cache-max-memory-size": size(data.cacheMaxMemorySize), "cache-snapshot-memory-size": size(data.cacheSnapshotMemorySize),
                "cache-snapshot-write-cold-duration": duration(data.cacheSnapshotWriteColdDuration),
                "compact-full-write-cold-duration": duration(data.compactFullWriteColdDuration),
                "max-series-per-database": .count(data.maxSeriesPerDatabase), "max-values-per-tag": .count(data.maxValuesPerTag),
                "max-concurrent-compactions": .count(data.maxConcurrentCompactions),
            ]),
            "config-meta": Diagnostics(row: ["dir": .string(meta.dir)]),
            "config-coordinator": Diagnostics(row: [
                "write-timeout": duration(coordinator.writeTimeout), "max-concurrent-queries": .count(coordinator.maxConcurrentQueries),
                "query-timeout": duration(coordinator.queryTimeout), "log-queries-after": duration(coordinator.logQueriesAfter),
                "max-select-point": .count(coordinator.maxSelectPoint), "max-select-series": .count(coordinator.maxSelectSeries),
                "max-select-buckets": .count(coordinator.maxSelectBuckets),
            ]),
            "config-retention": Diagnostics(row: retention.enabled
                ? ["enabled": true, "check-interval": duration(retention.checkInterval)] : ["enabled": false]),
            "config-precreator": Diagnostics(row: precreator.enabled
                ? ["enabled": true, "check-interval": duration(precreator.checkInterval), "advance-period": duration(precreator.advancePeriod)]
                : ["enabled": false]),
            "config-monitor": Diagnostics(row: monitor.storeEnabled
                ? ["store-enabled": true, "store-database": .string(monitor.storeDatabase), "store-interval": duration(monitor.storeInterval)]
                : ["store-enabled": false]),
            "config-subscriber": Diagnostics(row: subscriber.enabled
                ? ["enabled": true, "http-timeout": duration(subscriber.httpTimeout), "write-concurrency": .count(subscriber.writeConcurrency),
                   "write-buffer-size": .count(subscriber.writeBufferSize)]
                : ["enabled": false]),
            "config-httpd": Diagnostics(row: http.enabled
                ? ["enabled": true, "bind-address": .string(http.bindAddress), "https-enabled": .boolean(http.httpsEnabled),
                   "max-row-limit": .count(http.maxRowLimit), "max-connection-limit": .count(http.maxConnectionLimit),
                   "access-log-path": .string(http.accessLogPath)]
                : ["enabled": false]),
            "config-cqs": Diagnostics(row: continuousQueries.enabled
                ? ["enabled": true, "query-stats-enabled": .boolean(continuousQueries.queryStatsEnabled),
                   "run-interval": duration(continuousQueries.runInterval)]
                : ["enabled": false]),
        ]
        let batch = ["batch-size", "batch-pending", "batch-timeout"]
        if graphite.contains(where: \.enabled) {
            tables["config-graphite"] = inputs(graphite, ["enabled", "bind-address", "protocol", "database", "retention-policy"] + batch, \.enabled) {
                [.string($0.bindAddress), .string($0.protocolName), .string($0.database), .string($0.retentionPolicy),
                 .count($0.batchSize), .count($0.batchPending), duration($0.batchTimeout)]
            }
        }
        if collectd.contains(where: \.enabled) {
            tables["config-collectd"] = inputs(collectd, ["enabled", "bind-address", "database", "retention-policy"] + batch, \.enabled) {
                [.string($0.bindAddress), .string($0.database), .string($0.retentionPolicy), .count($0.batchSize), .count($0.batchPending),
                 duration($0.batchTimeout)]
            }
        }
        if opentsdb.contains(where: \.enabled) {
            tables["config-opentsdb"] = inputs(opentsdb, ["enabled", "bind-address", "database", "retention-policy"] + batch, \.enabled) {
                [.string($0.bindAddress), .string($0.database), .string($0.retentionPolicy), .count($0.batchSize), .count($0.batchPending),
                 duration($0.batchTimeout)]
            }
        }
        if udp.contains(where: \.enabled) {
            tables["config-udp"] = inputs(udp, ["enabled", "bind-address", "database", "retention-policy"] + batch + ["precision"], \.enabled) {
                [.string($0.bindAddress), .string($0.database), .string($0.retentionPolicy), .count($0.batchSize), .count($0.batchPending),
                 duration($0.batchTimeout), .string($0.precision)]
            }
        }
        return tables
    }

    private func duration(_ d: GoDuration) -> DiagnosticValue { .string(d.description) }
    private func size(_ s: ByteSize) -> DiagnosticValue { .integer(Int64(clamping: s.bytes)) }

    private func inputs<Section>(_ sections: [Section], _ columns: [String], _ enabled: (Section) -> Bool,
                                 _ row: (Section) -> [DiagnosticValue]) -> Diagnostics {
        Diagnostics(columns: columns, rows: sections.map { enabled($0) ? [true] + row($0) : [false] })
    }
}
