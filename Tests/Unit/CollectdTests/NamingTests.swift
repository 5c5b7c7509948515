@testable import Collectd
import Foundation
import LineProtocol
import Testing

/// 1.x's mapping of value lists to points (`services/collectd/service.go`).
@Suite struct NamingTests {
    static func list(host: String = "web1", plugin: String = "interface", instance: String = "eth0", type: String = "if_octets",
                     typeInstance: String = "", time: Int64? = 1_700_000_000_000_000_000, values: [CollectdValue] = [.derive(100), .derive(7)],
                     names: [String] = ["rx", "tx"]) -> ValueList {
        var l = ValueList()
        l.host = host
        l.plugin = plugin
        l.pluginInstance = instance
        l.type = type
        l.typeInstance = typeInstance
        l.time = time
        l.values = values
        l.dataSourceNames = names
        return l
    }

    static func lines(_ l: ValueList, _ mode: MultiValueMode) -> ([String], Int) {
        var dropped = 0
        let points = l.points(mode, dropped: &dropped)
        return (points.map { $0.lineProtocol() }, dropped)
    }

    @Test(arguments: [
        // split: <plugin>_<data source>, field value; tags only when not empty.
        (list(), MultiValueMode.split, ["interface_rx,host=web1,instance=eth0,type=if_octets value=100.0 1700000000000000000",
                                        "interface_tx,host=web1,instance=eth0,type=if_octets value=7.0 1700000000000000000"], 0),
        (list(), .join, ["interface,host=web1,instance=eth0,type=if_octets rx=100.0,tx=7.0 1700000000000000000"], 0),
        (list(host: "", instance: "", type: "", typeInstance: "user"), .split,
         ["interface_rx,type_instance=user value=100.0 1700000000000000000", "interface_tx,type_instance=user value=7.0 1700000000000000000"], 0),
        // Without types.db names: "value" for one value, the index for several.
        (list(plugin: "load", values: [.gauge(1.5)], names: []), .split, ["load_value,host=web1,instance=eth0,type=if_octets value=1.5 1700000000000000000"], 0),
        (list(plugin: "p", values: [.gauge(1), .gauge(2)], names: []), .split,
         ["p_0,host=web1,instance=eth0,type=if_octets value=1.0 1700000000000000000", "p_1,host=web1,instance=eth0,type=if_octets value=2.0 1700000000000000000"], 0),
        // Tag values needing escapes.
        (list(host: "a b,c=d", values: [.counter(UInt64.max)], names: ["value"]), .split,
         ["interface_value,host=a\\ b\\,c\\=d,instance=eth0,type=if_octets value=1.8446744073709552e+19 1700000000000000000"], 0),
        // NaN and infinite values are dropped and counted, per point in split, the whole list in join.
        (list(values: [.gauge(.nan), .gauge(3)]), .split, ["interface_tx,host=web1,instance=eth0,type=if_octets value=3.0 1700000000000000000"], 1),
        (list(values: [.gauge(.infinity), .gauge(3)]), .join, [], 1),
        // A time outside 1.x's range drops every value.
        (list(time: Int64.max), .split, [], 2),
        (list(time: Int64.max), .join, [], 1),
        // No time part: dropped (1.x stores it where no query reaches).
        (list(time: nil, values: [.gauge(1)], names: ["value"]), .split, [], 1),
        // No values: nothing in split, a field-less (dropped) point in join.
        (list(values: [], names: []), .split, [], 0),
        (list(values: [], names: []), .join, [], 1),
        // A data source named twice keeps its last value in join.
        (list(values: [.gauge(1), .gauge(2)], names: ["v", "v"]), .join, ["interface,host=web1,instance=eth0,type=if_octets v=2.0 1700000000000000000"], 0),
    ])
    func valueListsBecomePoints(list: ValueList, mode: MultiValueMode, expected: [String], dropped: Int) {
        let (lines, count) = Self.lines(list, mode)
        #expect(lines == expected)
        #expect(count == dropped)
    }

    @Test func typesDBFilesAndDirectories() throws {
        let db = try TypesDB(parsing: Array("a x:GAUGE:0:U\r\nb y:COUNTER:U:U, z:DERIVE:-1:1e3\n#c w:GAUGE:0:U\nd w:ABSOLUTE:0:U\ne v:GAUGE:zero:U\nf\n".utf8))
        #expect(db.types.keys.sorted() == ["a", "b", "f"])
        #expect(db.dataSources(of: "b") == [DataSource(name: "y", kind: .counter), DataSource(name: "z", kind: .derive)])
        #expect(db.dataSources(of: "f") == [])
        #expect(throws: TypesDBError.self) { try TypesDB(parsing: Array(repeating: UInt8(ascii: "a"), count: 70_000)) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-typesdb-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "a x:GAUGE:0:U\nb y:GAUGE:0:U\n".write(to: dir.appendingPathComponent("1.db"), atomically: true, encoding: .utf8)
        try "a q:DERIVE:0:U\n".write(to: dir.appendingPathComponent("sub/2.db"), atomically: true, encoding: .utf8)
        let merged = try TypesDB.load(path: dir.path)
        #expect(merged.dataSources(of: "a") == [DataSource(name: "q", kind: .derive)])  // sub/2.db is read after 1.db
        #expect(merged.dataSources(of: "b") == [DataSource(name: "y", kind: .gauge)])
        #expect(throws: TypesDBError.self) { try TypesDB.load(path: dir.appendingPathComponent("missing").path) }
        #expect(try TypesDB.load(path: dir.appendingPathComponent("1.db").path).types.count == 2)
        if FileManager.default.fileExists(atPath: "/usr/share/collectd/types.db") {
            let stock = try TypesDB.load(path: "/usr/share/collectd/types.db")
            #expect(stock.dataSources(of: "load")?.map(\.name) == ["shortterm", "midterm", "longterm"])
            #expect(stock.dataSources(of: "absolute") == nil)
        }
    }
}
