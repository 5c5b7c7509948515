@testable import Collectd
import Foundation
import Testing

/// collectd's binary protocol, parsed as 1.x parses it.
@Suite struct PacketParserTests {
    static let types = try! TypesDB(parsing: Array("""
        # comment
        load shortterm:GAUGE:0:5000 midterm:GAUGE:0:5000 longterm:GAUGE:0:5000
        if_octets rx:DERIVE:0:U, tx:DERIVE:0:U
        cpu value:DERIVE:0:U
        memory value:GAUGE:0:281474976710656
        counter value:COUNTER:U:U
        absolute value:ABSOLUTE:0:U
        """.utf8))

    static let parser = PacketParser(typesDB: types)

    /// 2^30 units of collectd's cdtime_t per second.
    static func hr(_ seconds: UInt64, _ nanoseconds: UInt64 = 0) -> UInt64 { seconds << 30 | (nanoseconds << 30) / 1_000_000_000 }

    /// Two value lists of one plugin, as collectd packs them: the second repeats only what changed.
    static func twoLists() -> PacketBuilder {
        var p = PacketBuilder()
        p.string(0, "web1")
        p.number(8, hr(1_700_000_000, 500_000_000))
        p.number(9, hr(10))
        p.string(2, "interface")
        p.string(3, "eth0")
        p.string(4, "if_octets")
        p.values([.derive(100), .derive(-5)])
        p.string(3, "eth1")
        p.values([.derive(7), .derive(8)])
        return p
    }

    @Test func everyIdentifierTimeAndValuesPart() throws {
        var p = PacketBuilder()
        p.string(0, "h")
        p.number(1, 1_600_000_000)
        p.number(7, 10)
        p.string(2, "memory")
        p.string(3, "")
        p.string(4, "memory")
        p.string(5, "used")
        p.part(0x0100, Array("a message\0".utf8))  // notification message: ignored
        p.number(0x0101, 2)                        // severity: ignored
        p.values([.gauge(1.5)])
        p.number(8, Self.hr(1_600_000_001, 250_000_000))
        p.number(9, Self.hr(2, 500_000_000))
        p.string(2, "load")
        p.string(4, "load")
        p.string(5, "")
        p.values([.gauge(0.5), .gauge(0.25), .gauge(0.125)])
        let lists = try Self.parser.parse(p.bytes).valueLists
        #expect(lists.count == 2)
        #expect(lists[0].host == "h" && lists[0].plugin == "memory" && lists[0].type == "memory" && lists[0].typeInstance == "used")
        #expect(lists[0].time == 1_600_000_000_000_000_000)
        #expect(lists[0].interval == 10_000_000_000)
        #expect(lists[0].values == [.gauge(1.5)])
        #expect(lists[0].dataSourceNames == ["value"])
        #expect(lists[1].time == 1_600_000_001_250_000_000)
        #expect(lists[1].interval == 2_500_000_000)
        #expect(lists[1].plugin == "load" && lists[1].typeInstance == "")
        #expect(lists[1].values == [.gauge(0.5), .gauge(0.25), .gauge(0.125)])
        #expect(lists[1].dataSourceNames == ["shortterm", "midterm", "longterm"])
    }

    @Test func severalValueListsPerPacketKeepTheState() throws {
        let lists = try Self.parser.parse(Self.twoLists().bytes).valueLists
        #expect(lists.map(\.pluginInstance) == ["eth0", "eth1"])
        #expect(lists.map(\.host) == ["web1", "web1"])
        #expect(lists.map(\.time) == [1_700_000_000_500_000_000, 1_700_000_000_500_000_000])
        #expect(lists[0].values == [.derive(100), .derive(-5)])
        #expect(lists[1].dataSourceNames == ["rx", "tx"])
    }

    /// Each kind's encoding (gauges little-endian), and types.db converting to its kind with Go's conversions.
    @Test(arguments: [
        ("counter", CollectdValue.counter(UInt64.max), CollectdValue.counter(UInt64.max)),
        ("counter", .derive(-1), .counter(UInt64.max)),
        ("counter", .gauge(2.9), .counter(2)),
        ("cpu", .derive(Int64.min), .derive(Int64.min)),
        ("cpu", .counter(UInt64.max), .derive(-1)),
        ("cpu", .gauge(-2.9), .derive(-2)),
        ("cpu", .gauge(.nan), .derive(Int64.min)),
        ("memory", .gauge(-0.5), .gauge(-0.5)),
        ("memory", .counter(3), .gauge(3)),
        ("memory", .derive(-3), .gauge(-3)),
    ])
    func valueKindsAndConversions(type: String, sent: CollectdValue, parsed: CollectdValue) throws {
        var p = PacketBuilder()
        p.string(4, type)
        p.values([sent])
        let list = try #require(try Self.parser.parse(p.bytes).valueLists.first)
        #expect(list.values == [parsed])
        // Without types.db the value is kept as sent.
        let raw = try PacketParser(typesDB: nil).parse(p.bytes).valueLists.first?.values
        if case .gauge(let v) = sent, v.isNaN { #expect(raw?.first?.double.isNaN == true) } else { #expect(raw == [sent]) }
    }

    @Test func unknownTypesAndWrongValueCountsAreSkippedNotFatal() throws {
        var p = PacketBuilder()
        p.string(4, "nosuchtype")
        p.values([.gauge(1)])
        p.string(4, "load")
        p.values([.gauge(1)])
        p.string(4, "absolute")  // its types.db line does not parse (ABSOLUTE): unknown
        p.values([.gauge(1)])
        p.string(4, "memory")
        p.values([.gauge(2)])
        let packet = try Self.parser.parse(p.bytes)
        #expect(packet.valueLists.map(\.type) == ["memory"])
        #expect(packet.skipped == ["unable to find \"nosuchtype\" in TypesDB",
                                   "unable to convert values according to TypesDB: len(args) = 1, want 3",
                                   "unable to find \"absolute\" in TypesDB"])
    }

    /// Malformed parts reject the whole packet, value lists before them included.
    @Test(arguments: [
        ("part length below 5", [0x00, 0x00, 0x00, 0x04], "invalid length 4"),
        ("part longer than the packet", [0x00, 0x00, 0x00, 0x09, 0x61, 0x00], "invalid length 9"),
        ("three trailing bytes", [0x00, 0x02, 0x00], "invalid data"),
        ("string without NUL", [0x00, 0x00, 0x00, 0x06, 0x61, 0x62], "invalid data"),
        ("time of 7 bytes", [0x00, 0x01, 0x00, 0x0B, 0, 0, 0, 0, 0, 0, 1], "invalid data"),
        ("values count too high", [0x00, 0x06, 0x00, 0x0F, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0], "invalid data"),
        ("values of one byte", [0x00, 0x06, 0x00, 0x05, 0x00], "unexpected EOF"),
        ("absolute value", [0x00, 0x06, 0x00, 0x0F, 0x00, 0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 1], "invalid data"),
        ("unknown value kind", [0x00, 0x06, 0x00, 0x0F, 0x00, 0x01, 0x09, 0, 0, 0, 0, 0, 0, 0, 1], "invalid data"),
    ] as [(String, [UInt8], String)])
    func truncatedAndMalformedParts(name: String, tail: [UInt8], message: String) {
        var p = PacketBuilder()
        p.string(4, "memory")
        p.values([.gauge(1)])
        #expect(throws: CollectdError(message), "\(name)") { try Self.parser.parse(p.bytes + tail) }
        // Every prefix of a valid packet parses or fails cleanly.
        let whole = Self.twoLists().bytes
        for n in 0...whole.count { _ = try? Self.parser.parse(Array(whole[..<n])) }
    }

    @Test func unknownPartsAreIgnored() throws {
        var p = PacketBuilder()
        p.part(0x7777, [1, 2, 3])
        p.string(4, "memory")
        p.values([.gauge(1)])
        #expect(try Self.parser.parse(p.bytes).valueLists.count == 1)
    }

    @Test func cdtimeRoundsToNanoseconds() {
        #expect(PacketParser.decompose(Self.hr(5, 500_000_000)) == (5, 500_000_000))
        #expect(PacketParser.decompose(1) == (0, 1))  // 0.93 ns rounds up
        #expect(PacketParser.decompose(UInt64.max) == (Int64(UInt64.max >> 30), 999_999_999))
    }
}
