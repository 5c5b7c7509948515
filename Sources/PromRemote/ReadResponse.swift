import Snappy
import SwiftProtobuf

extension RemoteRead {
    /// The answer body: a `ReadResponse` with one result, snappy-compressed as Go's encoder
    /// compresses it.
    public static func encode(_ series: [RemoteSeries]) -> [UInt8] {
        var result = Prometheus_QueryResult()
        result.timeseries = series.map { s in
            var ts = Prometheus_TimeSeries()
            ts.labels = s.labels.map { l in
                var pair = Prometheus_LabelPair()
                pair.name = l.name
                pair.value = l.value
                return pair
            }
            ts.samples = zip(s.timestampsMs, s.values).map { t, v in
                var sample = Prometheus_Sample()
                sample.timestampMs = t
                sample.value = v
                return sample
            }
            return ts
        }
        var response = Prometheus_ReadResponse()
        response.results = [result]
        // Serializing plain proto3 fields cannot fail.
        let message: [UInt8] = (try? response.serializedBytes()) ?? []
        return Snappy.compressGoCompatible(message)
    }
}
