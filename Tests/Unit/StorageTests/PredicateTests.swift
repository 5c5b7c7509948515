import Foundation
import InfluxQL
import SwiftProtobuf
import Testing
import TSDB
@testable import Storage

/// The Read predicate as 1.6's storage service converts, reduces and evaluates it.
@Suite struct PredicateTests {
    typealias Node = StoragePredicateNode

    static func tag(_ name: String) -> Node { var n = Node(); n.nodeType = .tagRef; n.tagRefValue = name; return n }
    static func string(_ s: String) -> Node { var n = Node(); n.nodeType = .literal; n.stringValue = s; return n }
    static func regex(_ s: String) -> Node { var n = Node(); n.nodeType = .literal; n.regexValue = s; return n }
    static func number(_ v: Double) -> Node { var n = Node(); n.nodeType = .literal; n.floatValue = v; return n }
    static var field: Node { var n = Node(); n.nodeType = .fieldRef; return n }
    static func compare(_ l: Node, _ op: Node.Comparison, _ r: Node) -> Node {
        var n = Node(); n.nodeType = .comparisonExpression; n.comparison = op; n.children = [l, r]; return n
    }
    static func logical(_ op: Node.Logical, _ c: [Node]) -> Node {
        var n = Node(); n.nodeType = .logicalExpression; n.logical = op; n.children = c; return n
    }

    static let host = compare(tag("host"), .equal, string("a"))
    static let value = compare(field, .gt, number(5))
    static let cpu = compare(tag("_measurement"), .equal, string("cpu"))

    /// What each split of the predicate becomes (1.6's newIndexSeriesCursor).
    @Test(arguments: [
        // (predicate, series condition, measurement condition, single measurement)
        (host, "host = a", "host = a", nil),
        (logical(.and, [cpu, host]), "_name = cpu AND host = a", "_name = cpu AND host = a", "cpu"),
        (logical(.or, [cpu, host]), "_name = cpu OR host = a", "_name = cpu OR host = a", nil),
        (logical(.and, [value, host]), "host = a", "host = a", nil),
        (value, nil, nil, nil),
        (logical(.and, [compare(tag("_field"), .equal, string("usage")), cpu]), "_name = cpu", "_field = usage AND _name = cpu", "cpu"),
    ] as [(Node, String?, String?, String?)])
    func conditions(predicate: Node, series: String?, measurement: String?, single: String?) throws {
        let c = try ReadConditions(try PredicateExpr.from(predicate))
        #expect(c.seriesCondition.map(Self.text) == series)
        #expect(c.measurementCondition.map(Self.text) == measurement)
        #expect(c.singleMeasurement == single)
    }

    /// 1.6's errors, each ending the Read with no frames.
    @Test(arguments: [
        (compare(tag("host"), .startsWith, string("a")), "startsWith not implemented"),
        (compare(tag("host"), .regex, regex("(")), "error parsing regexp: missing closing ): `(`"),
        (compare(tag("host"), .gt, string("a")), "invalid tag comparison operator"),
        ({ var n = Node(); n.nodeType = .comparisonExpression; n.children = [tag("host")]; return n }(), "ComparisonExpression expects two children"),
    ] as [(Node, String)])
    func refused(predicate: Node, message: String) {
        #expect(throws: ReadError(message)) { _ = try ReadConditions(try PredicateExpr.from(predicate)) }
    }

    /// A tag reduces to 1.x's nil literal, so a value condition ANDed with a tag term is lost
    /// (every value passes), while one ANDed with `_field` stays.
    @Test func valueConditionReducesAs16Does() throws {
        let withTag = try #require(try PredicateExpr.from(Self.logical(.and, [Self.value, Self.host])))
        let reducedTag = withTag.reduced { $0 == "host" ? .bytes : $0 == "_field" ? .string("usage") : nil }
        #expect(reducedTag == .boolean(false))
        let withField = try #require(try PredicateExpr.from(Self.logical(.and, [Self.value, Self.compare(Self.tag("_field"), .equal, Self.string("usage"))])))
        let reducedField = withField.reduced { $0 == "_field" ? .string("usage") : nil }
        #expect(Self.text(reducedField) == "$ > 5.0")
    }

    /// eval.go: floats and integers compare across types, unsigned never, strings by equality.
    @Test(arguments: [
        (EvalValue.float(6), true), (.integer(6), true), (.integer(5), false), (.unsigned(9), false), (.string("9"), false),
    ])
    func valueComparisons(value: EvalValue, holds: Bool) throws {
        let expr = try #require(try PredicateExpr.from(Self.value))
        #expect(expr.holds { _ in value } == holds)
    }

    /// An absent tag is the empty value; `!=` holds for it.
    @Test func absentTagIsEmpty() throws {
        let expr = try #require(try PredicateExpr.from(Self.compare(Self.tag("host"), .notEqual, Self.string("a"))))
        #expect(expr.holds { _ in .bytes([]) })
        #expect(!expr.holds { _ in .bytes(Array("a".utf8)) })
    }

    @Test func mergedKeysAreTheSortedUnion() {
        let a = ["_field", "host"].map { Array($0.utf8) }, b = ["_field", "_measurement", "path"].map { Array($0.utf8) }
        #expect(ReadExecution.merge(a, b).map { String(decoding: $0, as: UTF8.self) } == ["_field", "_measurement", "host", "path"])
    }

    static func opText(_ op: Token) -> String {
        switch op {
        case .and: "AND"
        case .or: "OR"
        case .eq: "="
        case .gt: ">"
        default: "\(op)"
        }
    }

    static func text(_ e: PredicateExpr) -> String {
        switch e {
        case .binary(let op, let l, let r): "\(text(l)) \(opText(op)) \(text(r))"
        case .paren(let inner): "(\(text(inner)))"
        case .ref(let name): name
        case .string(let s): s
        case .regex(let s, _): "/\(s)/"
        case .integer(let v): "\(v)"
        case .unsigned(let v): "\(v)"
        case .number(let v): "\(v)"
        case .boolean(let b): "\(b)"
        case .null: "nil"
        }
    }
}

/// Frames written straight to bytes decode as storage.proto's messages, and their sizes are
/// the protobuf sizes 1.6's writer counts.
@Suite struct ResponseFrameTests {
    static func points(_ type: TSDB.FieldType, _ n: Int) -> PointBatch {
        var p = PointBatch(type: type)
        p.times = (0..<n).map { Int64($0) * 1_000_000_007 - 5 }
        switch type {
        case .float: p.floats = (0..<n).map { Double($0) / 3 }
        case .integer: p.integers = (0..<n).map { Int64($0) * (($0 % 2 == 0) ? -9_999_999_999 : 7) }
        case .unsigned: p.unsigneds = (0..<n).map { UInt64($0) << 40 }
        case .boolean: p.booleans = (0..<n).map { $0 % 3 == 0 }
        case .string: p.strings = (0..<n).map { Array(String(repeating: "s", count: $0 % 200).utf8) }
        }
        return p
    }

    @Test(arguments: [TSDB.FieldType.float, .integer, .unsigned, .boolean, .string], [0, 1, 1000])
    func pointsRoundTrip(type: TSDB.FieldType, count: Int) throws {
        let batch = Self.points(type, count)
        var bytes: [UInt8] = []
        ResponseFrame.points(batch).encode(into: &bytes)
        let decoded = try StorageReadResponse(serializedBytes: bytes)
        let frame = try #require(decoded.frames.first)
        let reencoded: [UInt8] = try decoded.serializedBytes()
        #expect(reencoded == bytes)
        func size(_ m: some SwiftProtobuf.Message) throws -> Int { let b: [UInt8] = try m.serializedBytes(); return b.count }
        switch frame.data {
        case .floatPoints(let f)?: #expect(f.timestamps == batch.times && f.values == batch.floats)
        case .integerPoints(let f)?: #expect(f.timestamps == batch.times && f.values == batch.integers)
        case .unsignedPoints(let f)?: #expect(f.timestamps == batch.times && f.values == batch.unsigneds)
        case .booleanPoints(let f)?: #expect(f.timestamps == batch.times && f.values == batch.booleans)
        case .stringPoints(let f)?: #expect(f.timestamps == batch.times && f.values.map { Array($0.utf8) } == batch.strings)
        default: Issue.record("no points frame")
        }
        let body: Int
        switch frame.data {
        case .floatPoints(let f)?: body = try size(f)
        case .integerPoints(let f)?: body = try size(f)
        case .unsignedPoints(let f)?: body = try size(f)
        case .booleanPoints(let f)?: body = try size(f)
        case .stringPoints(let f)?: body = try size(f)
        default: body = -1
        }
        #expect(ResponseFrame.pointsBodySize(batch) == body)
    }

    @Test func seriesAndGroupFramesRoundTrip() throws {
        let tags: [(key: [UInt8], value: [UInt8])] = [(Array("_field".utf8), Array("v".utf8)), (Array("host".utf8), [])]
        var bytes: [UInt8] = []
        ResponseFrame.series(tags: tags, dataType: 4).encode(into: &bytes)
        ResponseFrame.group(keys: [Array("host".utf8)], values: [[]]).encode(into: &bytes)
        let decoded = try StorageReadResponse(serializedBytes: bytes)
        let reencoded: [UInt8] = try decoded.serializedBytes()
        #expect(reencoded == bytes)
        guard case .series(let s)? = decoded.frames[0].data, case .group(let g)? = decoded.frames[1].data else {
            Issue.record("frames")
            return
        }
        #expect(s.dataType == .string && s.tags.count == 2 && s.tags[1].value.isEmpty)
        let seriesBytes: [UInt8] = try s.serializedBytes()
        #expect(ResponseFrame.seriesBodySize(tags, 4) == seriesBytes.count)
        #expect(g.tagKeys == [Data("host".utf8)] && g.partitionKeyVals == [Data()])
    }
}
