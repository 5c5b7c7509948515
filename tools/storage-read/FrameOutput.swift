import Foundation
import Storage

/// Standard output through a 64 KiB buffer (a full scan prints millions of point lines).
struct BufferedOutput {
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    /// Appends `text` and a newline.
    mutating func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Totals over a response, for the summary on standard error.
struct ResponseTotals {
    var messages = 0
    var bytes = 0
    var frames = 0
    var series = 0
    var points = 0
}

/// Prints response frames as text: one line per group and series frame; per points frame
/// either its count (`float points=1000`) or, with `points`, one `time value` line per point.
struct TextFramePrinter {
    let points: Bool

    func print(_ frame: StorageReadResponse.Frame, to out: inout BufferedOutput) {
        switch frame.data {
        case .group(let g)?:
            out.line("group keys=[\(g.tagKeys.map(Self.text).joined(separator: ","))] values=[\(g.partitionKeyVals.map(Self.text).joined(separator: ","))]")
        case .series(let s)?:
            let tags = s.tags.map { Self.text($0.key) + "=" + Self.text($0.value) }.joined(separator: ",")
            out.line("series \(tags) type=\(Self.name(s.dataType))")
        case .floatPoints(let p)?: emit("float", p.timestamps, p.values, &out) { "\($0)" }
        case .integerPoints(let p)?: emit("integer", p.timestamps, p.values, &out) { "\($0)" }
        case .unsignedPoints(let p)?: emit("unsigned", p.timestamps, p.values, &out) { "\($0)" }
        case .booleanPoints(let p)?: emit("boolean", p.timestamps, p.values, &out) { "\($0)" }
        case .stringPoints(let p)?: emit("string", p.timestamps, p.values, &out) { JSONText.string($0) }
        case nil: out.line("empty frame")
        }
    }

    private func emit<V>(_ type: String, _ times: [Int64], _ values: [V], _ out: inout BufferedOutput, _ render: (V) -> String) {
        guard points else { return out.line("\(type) points=\(times.count)") }
        for (t, v) in zip(times, values) { out.line("\(t) \(render(v))") }
        if times.count != values.count { out.line("# \(type) frame with \(times.count) timestamps and \(values.count) values") }
    }

    /// Bytes (tag keys and values) as text; invalid UTF-8 shows as U+FFFD.
    static func text(_ bytes: Data) -> String { String(decoding: bytes, as: UTF8.self) }

    /// storage.proto's data type name in lower case.
    static func name(_ type: StorageReadResponse.DataType) -> String {
        switch type {
        case .float: "float"
        case .integer: "integer"
        case .unsigned: "unsigned"
        case .boolean: "boolean"
        case .string: "string"
        case .UNRECOGNIZED(let n): "unknown(\(n))"
        }
    }
}

/// Prints each response message as one JSON object per line:
/// `{"frames":[{"group":{"tagKeys":[…],"partitionKeyVals":[…]}}, {"series":{"tags":[{"key":…,"value":…}],"dataType":"float"}},
/// {"floatPoints":{"timestamps":[…],"values":[…]}}, …]}` — protobuf's JSON names, with bytes
/// as UTF-8 text (not base64) and 64-bit integers as numbers.
enum JSONText {
    static func message(_ response: StorageReadResponse) -> String {
        "{\"frames\":[" + response.frames.map(frame).joined(separator: ",") + "]}"
    }

    static func frame(_ frame: StorageReadResponse.Frame) -> String {
        switch frame.data {
        case .group(let g)?:
            return "{\"group\":{\"tagKeys\":\(bytesArray(g.tagKeys)),\"partitionKeyVals\":\(bytesArray(g.partitionKeyVals))}}"
        case .series(let s)?:
            let tags = s.tags.map { "{\"key\":\(string(TextFramePrinter.text($0.key))),\"value\":\(string(TextFramePrinter.text($0.value)))}" }
            return "{\"series\":{\"tags\":[\(tags.joined(separator: ","))],\"dataType\":\"\(TextFramePrinter.name(s.dataType))\"}}"
        case .floatPoints(let p)?: return points("floatPoints", p.timestamps, p.values.map(number))
        case .integerPoints(let p)?: return points("integerPoints", p.timestamps, p.values.map { "\($0)" })
        case .unsignedPoints(let p)?: return points("unsignedPoints", p.timestamps, p.values.map { "\($0)" })
        case .booleanPoints(let p)?: return points("booleanPoints", p.timestamps, p.values.map { "\($0)" })
        case .stringPoints(let p)?: return points("stringPoints", p.timestamps, p.values.map(string))
        case nil: return "{}"
        }
    }

    private static func points(_ name: String, _ times: [Int64], _ values: [String]) -> String {
        "{\"\(name)\":{\"timestamps\":[\(times.map { "\($0)" }.joined(separator: ","))],\"values\":[\(values.joined(separator: ","))]}}"
    }

    private static func bytesArray(_ items: [Data]) -> String {
        "[" + items.map { string(TextFramePrinter.text($0)) }.joined(separator: ",") + "]"
    }

    /// A float as a JSON number; NaN and the infinities as protobuf JSON spells them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v < 0 ? "\"-Infinity\"" : "\"Infinity\"" }
        return "\(v)"
    }

    /// A JSON string literal (Foundation's encoder, slashes left as they are).
    static func string(_ s: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
