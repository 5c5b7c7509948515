import ArgumentParser
import Foundation
import Storage
import SwiftProtobuf

/// `sundial-storage-read`: sends one storage Read (InfluxDB 1.6's `[ifql]` service, yarpc over
/// yamux) to Sundial or influxd and prints the response frames.
@main
struct StorageRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sundial-storage-read",
        abstract: "Send one storage Read to an [ifql] service (Sundial or influxd 1.6) and print the frames.",
        discussion: """
        Predicate syntax: comparisons joined with AND / OR (AND binds tighter), in
        parentheses as needed. Tags are identifiers (_measurement, _field, host) or
        "double-quoted names"; $ is the field value. Literals: 'string', /regex/,
        integers (42), floats (-1.5, 2e3), true, false. Operators: = != =~ !~ < <= > >=.

          --predicate "_measurement = 'cpu' AND (host =~ /h[12]/ OR \\$ > 5)"

        Output: one line per group and series frame, and per points frame its count
        (float points=1000) or, with --points, one `time value` line per point.
        A summary goes to standard error. An error on the server ends the stream
        with no message (yarpc carries no error text): the server's log says why.
        """
    )

    /// `--group`.
    enum Group: String, ExpressibleByArgument, CaseIterable {
        case none, all, by
        var value: StorageReadRequest.Group {
            switch self {
            case .none: .none
            case .all: .all
            case .by: .by
            }
        }
    }

    /// `--aggregate`.
    enum Aggregate: String, ExpressibleByArgument, CaseIterable {
        case sum, count
        var value: StorageAggregate.AggregateType { self == .sum ? .sum : .count }
    }

    /// `--hint`: storage.proto's HintFlags bits.
    enum Hint: String, ExpressibleByArgument, CaseIterable {
        case noPoints = "no-points", noSeries = "no-series", schemaAllTime = "schema-all-time"
        var bit: UInt32 {
            switch self {
            case .noPoints: 1
            case .noSeries: 2
            case .schemaAllTime: 4
            }
        }
    }

    @Option(help: "Server host.") var host = "127.0.0.1"
    @Option(help: "The [ifql] bind-address port.") var port = 8082
    @Option(help: "Database, or database/retention-policy.") var database: String
    @Option(help: "Start of the time range, ns since the epoch (0: unbounded).") var start: Int64 = 0
    @Option(help: "End of the time range, ns since the epoch (0: unbounded).") var end: Int64 = 0
    @Flag(help: "Points in descending time order.") var desc = false
    @Option(help: "Grouping: none, all or by.") var group: Group = .all
    @Option(name: .customLong("group-key"), help: "A key to group by (repeatable; with --group by).") var groupKeys: [String] = []
    @Option(help: "At most this many series (0: no limit).") var seriesLimit: Int64 = 0
    @Option(help: "Skip this many series.") var seriesOffset: Int64 = 0
    @Option(help: "At most this many points per series (0: no limit).") var pointsLimit: Int64 = 0
    @Option(help: "Aggregate: sum or count.") var aggregate: Aggregate?
    @Option(name: .customLong("hint"), help: "no-points, no-series or schema-all-time (repeatable).") var hints: [Hint] = []
    @Option(help: "Predicate expression (see above).") var predicate: String?
    @Flag(help: "Print every point as a `time value` line instead of a count per frame.") var points = false
    @Flag(help: "Print each response message's frames as one JSON object per line.") var json = false
    @Flag(help: "Print the request (protobuf text format) to standard error before sending it.") var showRequest = false

    /// The Read request the options describe.
    func request() throws -> StorageReadRequest {
        var r = StorageReadRequest()
        r.database = database
        r.timestampRange.start = start
        r.timestampRange.end = end
        r.descending = desc
        r.group = group.value
        r.groupKeys = groupKeys
        if let predicate {
            do {
                r.predicate.root = try PredicateParser.parse(predicate)
            } catch {
                throw ValidationError(error.description)
            }
        }
        r.seriesLimit = seriesLimit
        r.seriesOffset = seriesOffset
        r.pointsLimit = pointsLimit
        if let aggregate { r.aggregate.type = aggregate.value }
        r.hints = hints.reduce(0) { $0 | $1.bit }
        return r
    }

    func run() async throws {
        let request = try request()
        if showRequest { Self.note("request:\n" + request.textFormatString()) }
        let client: YARPCClient
        do {
            client = try await YARPCClient.connect(host: host, port: port)
        } catch {
            Self.fail("cannot connect to \(host):\(port): \(error)")
        }
        defer { client.close() }

        var out = BufferedOutput()
        var totals = ResponseTotals()
        let printer = TextFramePrinter(points: points)
        do {
            for try await message in try await client.stream(service: 0, method: 0, request: try request.serializedBytes()) {
                let response = try StorageReadResponse(serializedBytes: message)
                totals.messages += 1
                totals.bytes += message.count
                totals.frames += response.frames.count
                for frame in response.frames { totals.add(frame) }
                if json {
                    out.line(JSONText.message(response))
                } else {
                    for frame in response.frames { printer.print(frame, to: &out) }
                }
            }
        } catch {
            out.flush()
            Self.fail("read from \(host):\(port) failed after \(totals.messages) messages: \(error)")
        }
        out.flush()
        if totals.messages == 0 {
            Self.note("no response message: no data matched, or the server refused the request (yarpc sends no error text; see the server's log)")
            return
        }
        Self.note("\(totals.messages) messages, \(totals.bytes) bytes, \(totals.frames) frames, \(totals.series) series, \(totals.points) points")
    }

    /// Writes `message` to standard error.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data(("sundial-storage-read: " + message + "\n").utf8))
    }

    /// Writes `message` to standard error and exits with status 1.
    static func fail(_ message: String) -> Never {
        note(message)
        Foundation.exit(1)
    }
}

extension ResponseTotals {
    /// Counts a frame's series or points.
    mutating func add(_ frame: StorageReadResponse.Frame) {
        switch frame.data {
        case .series?: series += 1
        case .floatPoints(let p)?: points += p.timestamps.count
        case .integerPoints(let p)?: points += p.timestamps.count
        case .unsignedPoints(let p)?: points += p.timestamps.count
        case .booleanPoints(let p)?: points += p.timestamps.count
        case .stringPoints(let p)?: points += p.timestamps.count
        case .group?, nil: break
        }
    }
}
