import Testing
@testable import Server

@Suite struct GoDurationTests {
    @Test(arguments: [
        ("0", 0), ("0s", 0), ("1ns", 1), ("1us", 1_000), ("1µs", 1_000), ("1ms", 1_000_000),
        ("10s", 10_000_000_000), ("1.5s", 1_500_000_000), ("1m", 60_000_000_000),
        ("1h30m", 5_400_000_000_000), ("-2s", -2_000_000_000), ("+3h", 10_800_000_000_000),
    ] as [(String, Int64)])
    func parses(text: String, nanoseconds: Int64) throws {
        #expect(try GoDuration(parsing: text).nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "1", "s", "1x", "1.2.3s", "--1s"])
    func rejects(text: String) {
        #expect(throws: ConfigError.self) { try GoDuration(parsing: text) }
    }

    /// Go's `time.Duration.String()` output, which `sundiald config` must reproduce.
    @Test(arguments: [
        (0, "0s"), (1, "1ns"), (1_500, "1.5µs"), (100_000_000, "100ms"), (1_000_000_000, "1s"),
        (1_500_000_000, "1.5s"), (60_000_000_000, "1m0s"), (600_000_000_000, "10m0s"),
        (3_600_000_000_000, "1h0m0s"), (5_430_000_000_000, "1h30m30s"), (-1_000_000_000, "-1s"),
    ] as [(Int64, String)])
    func prints(nanoseconds: Int64, text: String) {
        #expect(GoDuration(nanoseconds: nanoseconds).description == text)
    }
}

@Suite struct ByteSizeTests {
    @Test(arguments: [
        ("1000", 1000), ("1k", 1024), ("1K", 1024), ("25m", 25 << 20), ("1g", 1 << 30), ("2G", 2 << 30),
    ] as [(String, UInt64)])
    func parses(text: String, bytes: UInt64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test(arguments: [
        ("", "size was empty"),
        ("1t", "unknown size suffix: t (expected k, m, or g)"),
        ("abc", "unknown size suffix: c (expected k, m, or g)"),
        ("1.5m", "invalid size: 1.5m"),
        ("99999999999999999999g", "invalid size: 99999999999999999999g"),
        ("17179869184g", "size would overflow the max size (18446744073709551615) of a uint: 17179869184g"),
    ])
    func rejectsWith1xMessages(text: String, message: String) {
        #expect(throws: ConfigError(message)) { try ByteSize(parsing: text) }
    }
}
