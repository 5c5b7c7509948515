/// Sundial's version and the InfluxDB API version it answers as.
public enum Version {
    /// This release of Sundial.
    public static let sundial = "0.1.0"
    /// The InfluxDB 1.x release whose API Sundial follows.
    public static let influxDB = "1.8.10"
    /// Sent as `X-Influxdb-Version`: a 1.x version first, for clients that parse it.
    public static let header = "\(influxDB)-sundial-\(sundial)"
}
