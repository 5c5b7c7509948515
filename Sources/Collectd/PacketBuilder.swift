import Crypto
import CryptoExtras

/// Builds packets of collectd's binary protocol as its network plugin sends them: for tests,
/// the fuzzer's seeds and the benchmark.
public struct PacketBuilder: Sendable {
    public var bytes: [UInt8] = []

    public init() {}

    /// A builder holding `bytes` as they are (to sign or encrypt a packet built elsewhere).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A string part (host 0, plugin 2, plugin instance 3, type 4, type instance 5), NUL-terminated.
    public mutating func string(_ type: UInt16, _ value: String) {
        part(type, Array(value.utf8) + [0])
    }

    /// A number part (time 1, interval 7, time_hr 8, interval_hr 9).
    public mutating func number(_ type: UInt16, _ value: UInt64) {
        part(type, (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) })
    }

    /// A values part: the count, the kinds, then each value (gauges little-endian, as collectd).
    public mutating func values(_ values: [CollectdValue]) {
        var payload: [UInt8] = [UInt8(values.count >> 8), UInt8(values.count & 0xFF)]
        for value in values {
            switch value {
            case .counter: payload.append(0)
            case .gauge: payload.append(1)
            case .derive: payload.append(2)
            }
        }
        for value in values {
            let bits: UInt64
            switch value {
            case .counter(let v): bits = v
            case .gauge(let v): bits = v.bitPattern.byteSwapped
            case .derive(let v): bits = UInt64(bitPattern: v)
            }
            payload += (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * $0)) }
        }
        part(6, payload)
    }

    /// Any part: type, length (header included), payload.
    public mutating func part(_ type: UInt16, _ payload: [UInt8]) {
        let length = payload.count + 4
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        bytes += payload
    }

    /// The packet signed: a 0x0200 part (HMAC-SHA-256 of user and payload) before it.
    public func signed(user: String, password: String) -> [UInt8] {
        let user = Array(user.utf8)
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Array(password.utf8)))
        mac.update(data: user)
        mac.update(data: bytes)
        var out = PacketBuilder()
        out.part(0x0200, Array(mac.finalize()) + user)
        return out.bytes + bytes
    }

    /// The packet encrypted into one 0x0210 part with `iv`, which must be 16 bytes.
    public func encrypted(user: String, password: String, iv: [UInt8]) -> [UInt8] {
        let user = Array(user.utf8)
        let key = SymmetricKey(data: SHA256.hash(data: Array(password.utf8)))
        var data = Array(Insecure.SHA1.hash(data: bytes)) + bytes
        var block = iv
        var index = 0
        while index < data.count {
            try! AES.permute(&block, key: key) // a 16-byte block and a 32-byte key cannot fail
            for j in 0..<min(16, data.count - index) { data[index + j] ^= block[j] }
            index += 16
        }
        var out = PacketBuilder()
        out.part(0x0210, [UInt8(user.count >> 8), UInt8(user.count & 0xFF)] + user + iv + data)
        return out.bytes
    }
}
