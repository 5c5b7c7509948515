import Foundation
import Storage
import SwiftProtobuf

/// One timed storage Read and what came back.
struct ReadResult {
    /// From sending the request to the server's end of stream (decoding not included).
    var seconds: Double
    /// The server's user + system CPU seconds over the read.
    var serverCPU: Double
    var messages: Int
    var bytes: Int
    var frames: Int
    var series: Int
    var points: Int
    /// FNV-1a of every message's bytes in order: equal responses have equal hashes.
    var hash: UInt64

    /// The full scan the benchmark times: GroupAll, `_measurement = 'cpu'`, whole time range.
    static func request() -> StorageReadRequest {
        var measurement = StoragePredicateNode()
        measurement.nodeType = .tagRef
        measurement.tagRefValue = "_measurement"
        var cpu = StoragePredicateNode()
        cpu.nodeType = .literal
        cpu.stringValue = "cpu"
        var root = StoragePredicateNode()
        root.nodeType = .comparisonExpression
        root.comparison = .equal
        root.children = [measurement, cpu]
        var r = StorageReadRequest()
        r.database = "bench"
        r.timestampRange.start = 0
        r.timestampRange.end = 0
        r.group = .all
        r.predicate.root = root
        return r
    }

    /// Sends `request` on `client` and reads the whole response, timing it; then decodes the
    /// messages to count frames, series and points.
    static func run(_ client: YARPCClient, _ request: [UInt8], server: ServerProcess) async throws -> ReadResult {
        let cpuBefore = server.cpuSeconds
        let clock = ContinuousClock()
        let start = clock.now
        var messages: [[UInt8]] = []
        for try await message in try await client.stream(service: 0, method: 0, request: request) {
            messages.append(message)
        }
        let elapsed = clock.now - start
        let cpu = server.cpuSeconds - cpuBefore
        var result = ReadResult(
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            serverCPU: cpu, messages: messages.count, bytes: 0, frames: 0, series: 0, points: 0, hash: 0xcbf2_9ce4_8422_2325)
        for message in messages {
            result.bytes += message.count
            for byte in message { result.hash = (result.hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            let response = try StorageReadResponse(serializedBytes: message)
            result.frames += response.frames.count
            for frame in response.frames {
                switch frame.data {
                case .series?: result.series += 1
                case .floatPoints(let p)?: result.points += p.timestamps.count
                case .integerPoints(let p)?: result.points += p.timestamps.count
                case .unsignedPoints(let p)?: result.points += p.timestamps.count
                case .booleanPoints(let p)?: result.points += p.timestamps.count
                case .stringPoints(let p)?: result.points += p.timestamps.count
                case .group?, nil: break
                }
            }
        }
        return result
    }
}

/// The timed runs of one server.
struct ServerRuns {
    let name: String
    var runs: [ReadResult] = []

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    var medianSeconds: Double { Self.median(runs.map(\.seconds)) }
    var medianCPU: Double { Self.median(runs.map(\.serverCPU)) }
    /// The first run's response (all runs are checked to agree with it).
    var first: ReadResult? { runs.first }
    var pointsPerSecond: Double { Double(first?.points ?? 0) / medianSeconds }
    var megabytesPerSecond: Double { Double(first?.bytes ?? 0) / 1e6 / medianSeconds }

    /// Runs whose response differs from the first one's (points, bytes or hash).
    var inconsistentRuns: [Int] {
        guard let f = first else { return [] }
        return runs.indices.filter { runs[$0].points != f.points || runs[$0].bytes != f.bytes || runs[$0].hash != f.hash }
    }
}
