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
