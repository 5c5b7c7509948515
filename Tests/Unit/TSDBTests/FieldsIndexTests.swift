import Foundation
import LineProtocol
import Testing

@testable import TSDB

/// `fields.idx` (Spec/fields-index.md).
@Suite("fields.idx")
struct FieldsIndexTests {
    static var golden: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/fields")
    }

    static func temporaryPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-fields-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("fields.idx").path
    }

    @Test func readsInfluxdIndex() throws {
        let set = try MeasurementFieldSet.load(Self.golden.appendingPathComponent("fields.idx").path)
        #expect(set.fields(of: "cpu") == ["usage": .float, "count": .integer])
        #expect(set.fields(of: "log") == ["msg": .string, "ok": .boolean])
        #expect(set.fields(of: "mem") == ["free": .integer])
    }

    @Test func writesInfluxdBytes() throws {
        var set = MeasurementFieldSet()
        let points = LineProtocolParser.parse(Array("cpu usage=1.5 1000000000".utf8), options: ParseOptions(defaultTime: 0)).points
        #expect(set.validate(points).error == nil)
        let path = Self.temporaryPath()
        try set.save(path)
        let expected = try Data(contentsOf: Self.golden.appendingPathComponent("one-field.idx"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
    }

    @Test func roundTripsEveryTypeAndRejectsOtherFormats() throws {
        var set = MeasurementFieldSet()
        set.fields = ["m": ["f": .float, "i": .integer, "s": .string, "b": .boolean, "u": .unsigned], "n": ["x": .float]]
        let path = Self.temporaryPath()
        try set.save(path)
        #expect(try MeasurementFieldSet.load(path).fields == set.fields)
        #expect(try MeasurementFieldSet.load(path + ".missing").fields.isEmpty)
        try Data([0, 6, 1, 2, 0x0A]).write(to: URL(fileURLWithPath: path))
        #expect(throws: FieldsIndexError.unknownFormat) { try MeasurementFieldSet.load(path) }
        #expect(FieldsIndexError.unknownFormat.description == "unknown field index format")
        try Data([0, 6, 1, 3, 0x0A, 0x7F]).write(to: URL(fileURLWithPath: path))
        #expect(throws: FieldsIndexError.self) { try MeasurementFieldSet.load(path) }
        try MeasurementFieldSet().save(path)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
