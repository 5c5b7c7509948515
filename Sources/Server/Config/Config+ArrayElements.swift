/// The element a `[[section]]` table is decoded into. 1.x's TOML decoder starts each table of
/// an array from Go's zero values, not from `NewConfig`'s defaults (those only hold when the
/// file has no such table); the service then fills some empty keys with defaults and leaves
/// others to fail, so the zero values are observable.
extension ConfigSection {
    public static var arrayElement: Self { Self() }
}

extension CollectdConfig {
    /// Empty security-level and parse-multivalue-plugin fail 1.x's validation: a
    /// `[[collectd]]` table must name both (influxd 1.6.7 refuses to start otherwise).
    public static var arrayElement: CollectdConfig {
        var c = CollectdConfig()
        c.bindAddress = ""
        c.database = ""
        c.typesDB = ""
        c.securityLevel = ""
        c.authFile = ""
        c.batchSize = 0
        c.batchPending = 0
        c.batchTimeout = .zero
        c.parseMultivaluePlugin = ""
        return c
    }
}

extension UDPConfig {
    /// An empty bind-address stops 1.x at start: a `[[udp]]` table must name it.
    public static var arrayElement: UDPConfig {
        var c = UDPConfig()
        c.bindAddress = ""
        c.database = ""
        c.batchSize = 0
        c.batchPending = 0
        c.batchTimeout = .zero
        return c
    }
}
