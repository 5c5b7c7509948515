import Testing
import TSM
@testable import TSDB

@Suite struct SeriesIndexTests {
    @Test(arguments: [
        ("cpu", "cpu", [(String, String)]()),
        ("cpu,host=a,region=east", "cpu", [("host", "a"), ("region", "east")]),
        (#"weird\ name,tag\ key=v\,1"#, "weird name", [("tag key", "v,1")]),
        (#"m\,x,k\=y=v\=w"#, "m,x", [("k=y", "v=w")]),
    ])
    func parsesSeriesKeys(key: String, measurement: String, tags: [(String, String)]) {
        let parsed = ParsedSeriesKey(Array(key.utf8))
        #expect(parsed.measurement == measurement)
        #expect(parsed.tags.map { [$0.key, $0.value] } == tags.map { [$0.0, $0.1] })
        #expect(ParsedSeriesKey.measurementName(Array(key.utf8)) == measurement)
    }

    @Test func addsOnceAndRemoves() {
        let index = SeriesIndex()
        let keys = ["cpu,host=a", "cpu,host=b", "mem,host=a"].map { Array($0.utf8) }
        #expect(index.add(keys).count == 3)
        #expect(index.add(keys).isEmpty)
        #expect(index.measurements == ["cpu", "mem"])
        #expect(index.hasMeasurement("cpu") && !index.hasMeasurement("cp") && !index.hasMeasurement("disk"))
        #expect(index.count == 3)
        #expect(index.remove(measurement: "cpu").count == 2)
        #expect(index.remove([Array("mem,host=a".utf8), Array("nope".utf8)]).count == 1)
        #expect(index.measurements.isEmpty && index.count == 0)
        #expect(!index.hasMeasurement("cpu") && !index.hasMeasurement("mem"))
    }

    @Test func postingsFollowAddsAndRemoves() {
        let index = SeriesIndex()
        index.add(["cpu,host=a,region=east", "cpu,host=b,region=east", "cpu,host=a,region=west", "mem,host=a"].map { Array($0.utf8) })
        let keys = { (tag: String, value: String) in Set(index.seriesKeys(of: "cpu", tag: tag, value: value).map { String(decoding: $0.bytes, as: UTF8.self) }) }
        #expect(keys("host", "a") == ["cpu,host=a,region=east", "cpu,host=a,region=west"])
        #expect(keys("region", "east") == ["cpu,host=a,region=east", "cpu,host=b,region=east"])
        #expect(keys("host", "c").isEmpty)
        #expect(index.tagKeys(of: "cpu") == ["host", "region"])
        #expect(index.series(of: "cpu", keys: [ByteKey(Array("cpu,host=b,region=east".utf8)), ByteKey(Array("mem,host=a".utf8))]).map(\.measurement) == ["cpu"])
        index.remove([Array("cpu,host=a,region=west".utf8)])
        #expect(keys("host", "a") == ["cpu,host=a,region=east"])
        // A tag key only one series had comes and goes with it.
        index.add([Array("cpu,host=c,zone=z".utf8)])
        #expect(index.tagKeys(of: "cpu") == ["host", "region", "zone"])
        index.remove([Array("cpu,host=c,zone=z".utf8)])
        #expect(index.tagKeys(of: "cpu") == ["host", "region"])
        index.remove([Array("cpu,host=a,region=east".utf8), Array("cpu,host=b,region=east".utf8)])
        #expect(index.tagKeys(of: "cpu").isEmpty && keys("region", "east").isEmpty)
    }

    @Test func databaseSeriesCountsAcrossShards() {
        let db = DatabaseSeries()
        let a = ParsedSeriesKey(Array("cpu,host=a".utf8)), b = ParsedSeriesKey(Array("cpu,host=b".utf8))
        db.add([a, b])
        db.add([a])  // a second shard holds cpu,host=a too
        #expect(db.count == 2)
        #expect(db.tagValueCount("cpu", "host") == 2)
        db.remove([a])
        #expect(db.count == 2 && db.hasTagValue("cpu", "host", "a"))
        db.remove([a])
        #expect(db.count == 1 && !db.hasTagValue("cpu", "host", "a"))
        #expect(db.tagValueCount("cpu", "host") == 1)
    }
}

/// A database's shards share one parsed copy of each series: the second shard's index holds
/// the first one's buffers (key bytes, tags), not a parse of its own; a series both shards
/// dropped leaves the shared table.
@Suite struct SharedSeriesTests {
    static func address(_ bytes: [UInt8]) -> UnsafeRawPointer? { bytes.withUnsafeBytes { $0.baseAddress } }

    @Test func shardsShareParsedSeries() throws {
        let database = DatabaseSeries()
        let keys = (0..<50).map { Array("cpu,host=h\($0),region=eu-west-\($0 % 3)".utf8) }
        let first = SeriesIndex(sharing: database), second = SeriesIndex(sharing: database)
        database.add(first.add(keys))
        // The second shard gets its keys from its own write (separate buffers).
        let added = second.add(keys.map { Array($0) })
        database.add(added)
        #expect(added.count == 50)
        let firstSeries = Dictionary(uniqueKeysWithValues: first.allSeries.map { ($0.key, $0) })
        for s in second.allSeries {
            let original = try #require(firstSeries[s.key])
            #expect(Self.address(s.key) == Self.address(original.key))
        }
        #expect(database.count == 50)
        database.remove(first.remove(keys))
        #expect(database.count == 50)
        #expect(database.remove(second.remove(keys)).count == 50)
        #expect(database.count == 0)
        #expect(!database.contains(keys[0]))
    }
}

/// The database's tag value counts (for `max-values-per-tag`) are built when first asked and
/// kept up to date from then on, whatever came before.
@Suite struct DatabaseTagValuesTests {
    @Test func tagValuesAreBuiltOnFirstUseThenKept() {
        let database = DatabaseSeries()
        let keys = ["cpu,host=a", "cpu,host=b", "mem,host=a"].map { ParsedSeriesKey(Array($0.utf8)) }
        database.add(keys)
        database.add([keys[0]])  // a second shard holds it too
        #expect(database.tagValueCount("cpu", "host") == 2)
        #expect(database.hasTagValue("mem", "host", "a") && !database.hasTagValue("mem", "host", "b"))
        database.add([ParsedSeriesKey(Array("cpu,host=c".utf8))])
        #expect(database.tagValueCount("cpu", "host") == 3)
        database.remove([keys[1]])
        #expect(database.tagValueCount("cpu", "host") == 2 && !database.hasTagValue("cpu", "host", "b"))
        database.remove([keys[0]])  // still in the other shard
        #expect(database.hasTagValue("cpu", "host", "a"))
    }
}
