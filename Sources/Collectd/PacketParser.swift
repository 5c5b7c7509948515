/// Parses collectd's binary network protocol the way 1.x does (through collectd's Go
/// library): parts are `type, length, payload`; identifier, time and interval parts set the
/// state the following `values` parts are reported with; signed and encrypted parts carry
/// packets of their own, parsed from a fresh state.
///
/// Any malformed part rejects the whole packet (1.x drops everything parsed so far). A value
/// list whose type types.db lacks, or whose value count differs from it, is skipped and
/// noted. Unknown parts (messages, severities, …) are ignored.
public struct PacketParser: Sendable {
    public var securityLevel: SecurityLevel
    public var typesDB: TypesDB?
    public var passwords: (any PasswordLookup)?

    /// Signed or encrypted parts nested deeper than this reject the packet (the library has no
    /// limit; a datagram of collectd's 1452 bytes cannot nest this deep).
    public static let maxNesting = 64

    public init(securityLevel: SecurityLevel = .none, typesDB: TypesDB?, passwords: (any PasswordLookup)? = nil) {
        self.securityLevel = securityLevel
        self.typesDB = typesDB
        self.passwords = passwords
    }

    /// The value lists of one packet, and why any were skipped.
    public struct Packet: Sendable {
        public var valueLists: [ValueList] = []
        public var skipped: [String] = []
    }

    public func parse(_ bytes: [UInt8]) throws(CollectdError) -> Packet {
        var packet = Packet()
        let result = bytes.withUnsafeBytes { buffer -> CollectdError? in
            do throws(CollectdError) { try parse(buffer, level: .none, depth: 0, into: &packet) } catch { return error }
            return nil
        }
        if let result { throw result }
        return packet
    }

    public func parse(_ bytes: UnsafeRawBufferPointer) throws(CollectdError) -> Packet {
        var packet = Packet()
        try parse(bytes, level: .none, depth: 0, into: &packet)
        return packet
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, level: SecurityLevel, depth: Int, into packet: inout Packet) throws(CollectdError) {
        guard depth <= Self.maxNesting else { throw CollectdError("signed or encrypted parts nested too deeply") }
        var state = ValueList()
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else { throw CollectdError("invalid data") }
            let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4
            guard length >= 5, length - 4 <= bytes.count - offset else { throw CollectdError("invalid length \(length)") }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length - 4)])
            offset += length - 4
            switch type {
            case 0x0000: state.host = try Self.string(payload)
            case 0x0002: state.plugin = try Self.string(payload)
            case 0x0003: state.pluginInstance = try Self.string(payload)
            case 0x0004: state.type = try Self.string(payload)
            case 0x0005: state.typeInstance = try Self.string(payload)
            case 0x0001: state.time = Self.unixTime(seconds: Int64(bitPattern: try Self.number(payload)), nanoseconds: 0)
            case 0x0008:
                let (s, ns) = Self.decompose(try Self.number(payload))
                state.time = Self.unixTime(seconds: s, nanoseconds: ns)
            case 0x0007: state.interval = Int64(bitPattern: try Self.number(payload)) &* 1_000_000_000
            case 0x0009:
                let (s, ns) = Self.decompose(try Self.number(payload))
                state.interval = s &* 1_000_000_000 &+ ns
            case 0x0006:
                var list = state
                list.values = try Self.values(payload)
                if let typesDB {
                    guard let sources = typesDB.dataSources(of: state.type) else {
                        packet.skipped.append("unable to find \"\(state.type)\" in TypesDB")
                        continue
                    }
                    guard sources.count == list.values.count else {
                        packet.skipped.append("unable to convert values according to TypesDB: len(args) = \(list.values.count), want \(sources.count)")
                        continue
                    }
                    for i in list.values.indices { list.values[i] = sources[i].kind.convert(list.values[i]) }
                    list.dataSourceNames = sources.map(\.name)
                }
                if securityLevel <= level { packet.valueLists.append(list) }
            case 0x0200:
                // The signature covers the rest of the packet, which is parsed as signed; the
                // library then parses it a second time unsigned, which at security-level none
                // reports every value list twice — the copy is left out here.
                let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                try PacketCrypto.verify(part: payload, rest: rest, passwords: passwords)
                try parse(rest, level: .sign, depth: depth + 1, into: &packet)
                return
            case 0x0210:
                let plain: [UInt8]
                do throws(CollectdError) { plain = try PacketCrypto.decrypt(part: payload, passwords: passwords) } catch {
                    throw CollectdError("AES256 decryption failure")
                }
                let failure = plain.withUnsafeBytes { inner -> CollectdError? in
                    do throws(CollectdError) { try parse(inner, level: .encrypt, depth: depth + 1, into: &packet) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
            default:
                continue
            }
        }
    }

    /// A NUL-terminated string; the NUL is required, bytes before it are kept as they are.
    static func string(_ payload: UnsafeRawBufferPointer) throws(CollectdError) -> String {
        guard payload.last == 0 else { throw CollectdError("invalid data") }
        return String(decoding: payload.dropLast(), as: UTF8.self)
    }

    /// A big-endian 64-bit number; exactly 8 bytes.
    static func number(_ payload: UnsafeRawBufferPointer) throws(CollectdError) -> UInt64 {
        guard payload.count == 8 else { throw CollectdError("invalid data") }
        return payload.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The values of a values part: a count, one kind byte per value, then 8 bytes per value
    /// (counters and derives big-endian, gauges little-endian). Absolute values (kind 3) are
    /// invalid to the library 1.x uses.
    static func values(_ payload: UnsafeRawBufferPointer) throws(CollectdError) -> [CollectdValue] {
        guard payload.count >= 2 else { throw CollectdError("unexpected EOF") }
        let count = Int(payload[0]) << 8 | Int(payload[1])
        guard count * 9 == payload.count - 2 else { throw CollectdError("invalid data") }
        var values: [CollectdValue] = []
        values.reserveCapacity(count)
        for i in 0..<count {
            let start = 2 + count + 8 * i
            let bits = UnsafeRawBufferPointer(rebasing: payload[start..<(start + 8)]).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            switch payload[2 + i] {
            case 0: values.append(.counter(bits))
            case 1: values.append(.gauge(Double(bitPattern: bits.byteSwapped)))
            case 2: values.append(.derive(Int64(bitPattern: bits)))
            default: throw CollectdError("invalid data")
            }
        }
        return values
    }

    /// collectd's cdtime_t (2^-30 seconds) as seconds and rounded nanoseconds.
    static func decompose(_ t: UInt64) -> (Int64, Int64) {
        let seconds = Int64(t >> 30)
        let nanoseconds = (Int64(t & 0x3FFF_FFFF) * 1_000_000_000 + (1 << 29)) >> 30
        return (seconds, nanoseconds)
    }

    /// Go's `time.Unix(s, ns).UnixNano()` (wrapping), nil for Go's zero time.
    static func unixTime(seconds: Int64, nanoseconds: Int64) -> Int64? {
        if seconds == -62_135_596_800 && nanoseconds == 0 { return nil }
        return seconds &* 1_000_000_000 &+ nanoseconds
    }
}
