import SundialTestSupport
import Testing
@testable import Query

/// Time string literals in WHERE: the three forms 1.x reads, and what it refuses.
@Suite struct TimeLiteralTests {
    @Test(arguments: [
        ("2016-01-01", Int64(1_451_606_400_000_000_000)),
        ("2016-01-01T05:00:00Z", 1_451_624_400_000_000_000),
        ("2016-01-01 05:00:00", 1_451_624_400_000_000_000),
        ("2016-01-01T05:00:00.5Z", 1_451_624_400_500_000_000),
        ("2016-01-01T05:00:00.123456789Z", 1_451_624_400_123_456_789),
        ("2016-01-01 05:00:00.000001", 1_451_624_400_000_001_000),
        ("2016-01-01T05:00:00+01:30", 1_451_619_000_000_000_000),
        ("2016-01-01T05:00:00-08:00", 1_451_653_200_000_000_000),
        ("2016-02-29T00:00:00Z", 1_456_704_000_000_000_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("1677-09-21T00:12:43.145224192Z", Int64.min),
        ("2262-04-11T23:47:16.854775807Z", Int64.max),
    ])
    func parses(text: String, nanos: Int64) {
        #expect(TimeLiteral.parse(text) == nanos)
    }

    @Test(arguments: ["2015-02-29", "2016-13-01", "2016-01-32", "2016-01-01T24:00:00Z", "2016-01-01T05:00:00", "2016-01-01 05:00:00Z",
                      "2016-01-01T05:00Z", "2016-01-01T05:00:00.Z", "2016-01-01T05:00:00.1234567891Z", "2016-1-01", "now", "",
                      "2016-01-01T05:00:00+0100", "2262-04-11T23:47:16.854775808Z", "2262-04-12", "1677-09-20", "9999-12-31"])
    func refuses(text: String) {
        #expect(TimeLiteral.parse(text) == nil)
    }

    /// What the JSON writer prints reads back as the same instant, over the whole Int64 range.
    @Test func formatsAndParsesBack() {
        var rng = SeededRandom(seed: 7)
        let samples = [Int64.min, Int64.max, 0, -1, 1, 1_451_624_400_500_000_000] + (0..<20_000).map { _ in Int64.random(in: .min ... .max, using: &rng) }
        for t in samples {
            let text = RFC3339.nano(t)
            #expect(TimeLiteral.parse(text) == t, "\(t) → \(text)")
            #expect(!text.contains(".") || !text.hasSuffix("0Z"))
        }
        #expect(RFC3339.nano(1_451_624_400_500_000_000) == "2016-01-01T05:00:00.5Z")
        #expect(RFC3339.nano(-1) == "1969-12-31T23:59:59.999999999Z")
        #expect(RFC3339.seconds(-1) == "1969-12-31T23:59:59Z")
    }
}
