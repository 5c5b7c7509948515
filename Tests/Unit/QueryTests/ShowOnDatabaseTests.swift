import Coordinator
import Foundation
import InfluxQL
import LineProtocol
import Meta
import Testing
import TSDB

@testable import Query

/// The SHOW statements that name their database with `ON` find it with a `FROM` clause too,
/// without a `db` parameter (1.x's `HasDefaultDatabase`); each answer equals the one given
/// with `db` instead (checked against influxd 1.6.7 by hand on `_internal`).
@Suite struct ShowOnDatabaseTests {
    @Test(arguments: [
        ("SHOW TAG KEYS ON db1 FROM cpu", "SHOW TAG KEYS FROM cpu"),
        ("SHOW TAG KEYS ON db1 FROM cpu WHERE host =~ /./", "SHOW TAG KEYS FROM cpu WHERE host =~ /./"),
        ("SHOW TAG VALUES ON db1 FROM cpu WITH KEY = host", "SHOW TAG VALUES FROM cpu WITH KEY = host"),
        ("SHOW FIELD KEYS ON db1 FROM cpu", "SHOW FIELD KEYS FROM cpu"),
        ("SHOW TAG KEY CARDINALITY ON db1 FROM cpu", "SHOW TAG KEY CARDINALITY FROM cpu"),
        ("SHOW TAG VALUES CARDINALITY ON db1 FROM cpu WITH KEY = host", "SHOW TAG VALUES CARDINALITY FROM cpu WITH KEY = host"),
        ("SHOW FIELD KEY CARDINALITY ON db1 FROM cpu", "SHOW FIELD KEY CARDINALITY FROM cpu"),
        ("SHOW SERIES ON db1 FROM cpu", "SHOW SERIES FROM cpu"),
    ])
    func onNamesTheDatabase(on: String, withParameter: String) async throws {
        let meta = MetaClient()
        try await meta.createDatabase("db1")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-show-on-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = Store(dataDir: dir + "/data", walDir: dir + "/wal")
        let lines = "cpu,host=a,dc=x v=1,w=2i 1000000000\ncpu,host=b v=3 1000000000\nmem,host=c f=1 1000000000\n"
        try await PointsWriter(meta: meta, store: store)
            .writePoints(database: "db1", retentionPolicy: "", points: LineProtocolParser.parse(Array(lines.utf8), options: ParseOptions(defaultTime: 0)).points)
        let executor = QueryExecutor(meta: meta, store: store)
        let viaOn = await executor.execute(try Parser.parseQuery(on), options: ExecutionOptions())
        let viaParameter = await executor.execute(try Parser.parseQuery(withParameter), options: ExecutionOptions(database: "db1"))
        #expect(viaOn.first?.error == nil)
        #expect(viaOn.first?.series.isEmpty == false)
        #expect(viaOn == viaParameter)
    }
}
