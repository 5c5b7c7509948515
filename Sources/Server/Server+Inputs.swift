import Collectd
import Foundation
import LineProtocol
import Logging
import UDP

extension Server {
    /// A service per enabled `[[collectd]]` section, with 1.x's defaults for keys left empty
    /// or zero; types.db is read here, so a missing one stops the start as in 1.x.
    func collectdServices() throws(ConfigError) -> [CollectdService] {
        var services: [CollectdService] = []
        for c in config.collectd where c.enabled {
            let defaults = CollectdConfig()
            let (host, port) = try Self.hostAndPort(c.bindAddress.isEmpty ? defaults.bindAddress : c.bindAddress)
            let path = c.typesDB.isEmpty ? defaults.typesDB : c.typesDB
            logger.info("Loading types from file", metadata: ["service": "collectd", "path": "\(path)"])
            let typesDB: TypesDB
            do throws(TypesDBError) {
                typesDB = try TypesDB.load(path: path) { [logger] in logger.info("\($0)", metadata: ["service": "collectd"]) }
            } catch {
                throw ConfigError("collectd: \(error.message)")
            }
            // validate() accepted both values.
            let level = SecurityLevel(configValue: c.securityLevel) ?? .none
            let parser = PacketParser(securityLevel: level, typesDB: typesDB,
                                      passwords: AuthFile(path: c.authFile.isEmpty ? defaults.authFile : c.authFile))
            let settings = CollectdService.Settings(
                host: host, port: port, bindAddress: c.bindAddress.isEmpty ? defaults.bindAddress : c.bindAddress, database: c.database.isEmpty ? defaults.database : c.database, retentionPolicy: c.retentionPolicy,
                batchSize: c.batchSize == 0 ? defaults.batchSize : c.batchSize,
                batchPending: c.batchPending == 0 ? defaults.batchPending : c.batchPending,
                batchTimeout: c.batchTimeout.nanoseconds == 0 ? defaults.batchTimeout.duration : c.batchTimeout.duration,
                readBuffer: c.readBuffer, multiValue: MultiValueMode(configValue: c.parseMultivaluePlugin) ?? .split, parser: parser)
            services.append(CollectdService(settings: settings, meta: meta, pointsWriter: pointsWriter, logger: logger))
        }
        return services
    }

    /// A service per enabled `[[udp]]` section, with 1.x's defaults for keys left empty or zero.
    func udpServices() throws(ConfigError) -> [UDPService] {
        var services: [UDPService] = []
        for c in config.udp where c.enabled {
            let defaults = UDPConfig()
            guard !c.bindAddress.isEmpty else { throw ConfigError("bind address has to be specified in config") }
            let (host, port) = try Self.hostAndPort(c.bindAddress)
            let settings = UDPService.Settings(
                host: host, port: port, bindAddress: c.bindAddress, database: c.database.isEmpty ? defaults.database : c.database, retentionPolicy: c.retentionPolicy,
                precision: Precision(queryValue: c.precision),
                batchSize: c.batchSize == 0 ? defaults.batchSize : c.batchSize,
                batchPending: c.batchPending == 0 ? defaults.batchPending : c.batchPending,
                batchTimeout: c.batchTimeout.nanoseconds == 0 ? defaults.batchTimeout.duration : c.batchTimeout.duration,
                readBuffer: c.readBuffer)
            services.append(UDPService(settings: settings, meta: meta, pointsWriter: pointsWriter, logger: logger))
        }
        return services
    }
}

extension CollectdConfig {
    /// 1.x's `collectd.Config.Validate`, which checks every section, enabled or not.
    func validate() throws(ConfigError) {
        guard SecurityLevel(configValue: securityLevel) != nil else { throw ConfigError("invalid collectd config: Invalid security level") }
        guard MultiValueMode(configValue: parseMultivaluePlugin) != nil else {
            throw ConfigError("invalid collectd config: Invalid value for parse-multivalue-plugin. Valid options are \"split\" and \"join\"")
        }
    }
}
