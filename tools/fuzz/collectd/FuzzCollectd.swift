// libFuzzer entry for collectd's binary protocol parser (see run.sh).
//
// The first input byte picks how the rest is delivered: as a packet of its own, or signed or
// encrypted with the password the parser knows (so mutations reach the parts inside).
// Properties: no crash or trap; every value list maps to points without trapping; with no
// types.db, a parsed packet re-encoded part by part parses to the same value lists.

struct FuzzPasswords: PasswordLookup {
    func password(for user: [UInt8]) throws(CollectdError) -> [UInt8] {
        guard user == Array("alice".utf8) else { throw CollectdError("no such user") }
        return Array("s3cret".utf8)
    }
}

let types = try! TypesDB(parsing: Array("load shortterm:GAUGE:0:U midterm:GAUGE:0:U longterm:GAUGE:0:U\nc value:COUNTER:U:U\nd value:DERIVE:0:U\ng value:GAUGE:U:U\n".utf8))

func check(_ data: [UInt8]) {
    guard let mode = data.first else { return }
    let body = Array(data.dropFirst())
    let packet: [UInt8]
    switch mode % 3 {
    case 0: packet = body
    case 1: packet = PacketBuilder(bytes: body).signed(user: "alice", password: "s3cret")
    default: packet = PacketBuilder(bytes: body).encrypted(user: "alice", password: "s3cret", iv: Array(repeating: mode, count: 16))
    }
    // The mode byte also picks the level and whether types.db applies: one parse per input.
    let level = [SecurityLevel.none, .sign, .encrypt][Int(mode / 3) % 3]
    let db: TypesDB? = mode & 0x80 == 0 ? types : nil
    if let parsed = try? PacketParser(securityLevel: level, typesDB: db, passwords: FuzzPasswords()).parse(packet) {
        for list in parsed.valueLists {
            var dropped = 0
            _ = list.points(.split, dropped: &dropped)
            _ = list.points(.join, dropped: &dropped)
        }
    }
    // Round trip without types.db, at level none.
    guard let first = try? PacketParser(typesDB: nil, passwords: FuzzPasswords()).parse(packet).valueLists else { return }
    var rebuilt = PacketBuilder()
    for list in first {
        rebuilt.string(0, list.host)
        rebuilt.string(2, list.plugin)
        rebuilt.string(3, list.pluginInstance)
        rebuilt.string(4, list.type)
        rebuilt.string(5, list.typeInstance)
        rebuilt.values(list.values)
    }
    guard let again = try? PacketParser(typesDB: nil).parse(rebuilt.bytes).valueLists else {
        // An identifier longer than a part can hold cannot be rebuilt.
        if first.contains(where: { [$0.host, $0.plugin, $0.pluginInstance, $0.type, $0.typeInstance].contains { $0.utf8.count > 65_530 } }) { return }
        fatalError("re-encoded packet does not parse")
    }
    precondition(again.count == first.count, "value list count changed")
    for (a, b) in zip(first, again) {
        precondition(a.host == b.host && a.plugin == b.plugin && a.pluginInstance == b.pluginInstance && a.type == b.type && a.typeInstance == b.typeInstance,
                     "identifier changed")
        precondition(a.values.count == b.values.count, "value count changed")
        for (x, y) in zip(a.values, b.values) {
            switch (x, y) {
            case (.gauge(let p), .gauge(let q)): precondition(p.bitPattern == q.bitPattern, "gauge changed")
            default: precondition(x == y, "value changed")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    check(Array(UnsafeRawBufferPointer(start: start, count: count)))
    return 0
}
