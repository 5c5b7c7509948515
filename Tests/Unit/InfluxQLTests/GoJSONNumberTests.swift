import InfluxQL
import SundialTestSupport
import Testing

/// The JSON writer's number formatting, byte for byte as Go's `encoding/json` writes floats
/// (`strconv.AppendFloat` with 'f' or 'e' and the shortest digits, `e-07` cleaned to `e-7`).
@Suite struct GoJSONNumberTests {
    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (25, "25"), (100, "100"), (0.1, "0.1"), (-1.5, "-1.5"),
        (123456789.125, "123456789.125"), (0.000123, "0.000123"), (2.5e-5, "0.000025"),
        (1e-6, "0.000001"), (1e-7, "1e-7"), (1.234e-7, "1.234e-7"), (-3e-10, "-3e-10"),
        (1e20, "100000000000000000000"), (12345678901234567168, "12345678901234567000"),
        (1e21, "1e+21"), (1.5e300, "1.5e+300"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (0.30000000000000004, "0.30000000000000004"),
    ] as [(Double, String)])
    func formatsAsGo(value: Double, text: String) {
        #expect(GoJSONNumber.float(value) == text)
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        GoJSONNumber.append(value, to: &bytes)
        #expect(bytes == [UInt8(ascii: "[")] + Array(text.utf8))
    }

    /// Random doubles read back as themselves, in the notation Go picks for their magnitude.
    @Test func readsBackInGoNotation() {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20_000 {
            let v = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))
            guard v.isFinite else { continue }
            let text = GoJSONNumber.float(v)
            #expect(Double(text) == v, "\(v) → \(text)")
            let exponential = v != 0 && (abs(v) < 1e-6 || abs(v) >= 1e21)
            #expect(text.contains("e") == exponential, "\(v) → \(text)")
            #expect(!text.contains("e-0") && !text.contains("e+0"), "\(text)")
        }
    }

    @Test(arguments: [Int64.min, -1, 0, 7, 10, 1_451_624_400, Int64.max])
    func integers(value: Int64) {
        var bytes: [UInt8] = []
        DecimalText.append(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }
}
