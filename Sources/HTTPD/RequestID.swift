import Synchronization

/// Time-based (version 1) UUIDs, which 1.x uses for `Request-Id` when the client sends none.
final class TimeUUIDGenerator: Sendable {
    private struct State {
        var lastTimestamp: UInt64 = 0
        var clockSequence = UInt16.random(in: 0...0x3FFF)
    }
    private let state = Mutex(State())
    /// A random node ID with the multicast bit set, as RFC 4122 §4.5 allows without a MAC address.
    private let node: [UInt8] = {
        var n = (0..<6).map { _ in UInt8.random(in: 0...255) }
        n[0] |= 0x01
        return n
    }()

    /// A new UUID for `unixNanoseconds` (100 ns intervals since 1582-10-15).
    func next(unixNanoseconds: Int64) -> String {
        let gregorianOffset: UInt64 = 0x01B2_1DD2_1381_4000
        var timestamp = UInt64(max(0, unixNanoseconds)) / 100 + gregorianOffset
        let sequence: UInt16 = state.withLock { s in
            if timestamp <= s.lastTimestamp {
                // Same tick or clock went back: step the clock sequence so IDs stay unique.
                s.clockSequence = (s.clockSequence &+ 1) & 0x3FFF
                timestamp = max(timestamp, s.lastTimestamp)
            }
            s.lastTimestamp = timestamp
            return s.clockSequence
        }
        let timeLow = UInt32(truncatingIfNeeded: timestamp)
        let timeMid = UInt16(truncatingIfNeeded: timestamp >> 32)
        let timeHigh = UInt16(truncatingIfNeeded: timestamp >> 48) & 0x0FFF | 0x1000
        let clock = sequence | 0x8000
        // 8-4-4-4-12 lowercase hex digits, written into one buffer (this runs per request).
        return String(unsafeUninitializedCapacity: 36) { b in
            var i = 0
            func hex(_ v: UInt64, digits: Int) {
                for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                    let nibble = UInt8(truncatingIfNeeded: v >> UInt64(shift)) & 0xF
                    b[i] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                    i += 1
                }
            }
            func dash() { b[i] = UInt8(ascii: "-"); i += 1 }
            hex(UInt64(timeLow), digits: 8)
            dash()
            hex(UInt64(timeMid), digits: 4)
            dash()
            hex(UInt64(timeHigh), digits: 4)
            dash()
            hex(UInt64(clock), digits: 4)
            dash()
            for byte in node { hex(UInt64(byte), digits: 2) }
            return i
        }
    }
}
