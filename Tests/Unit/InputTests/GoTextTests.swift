import GoText
import Testing

/// Go's `strconv.ParseFloat`, `ParseInt` and `strings.Fields` on bytes, as Go 1.19 behaves.
struct GoTextTests {
    static func float(_ s: String) -> String {
        switch Array(s.utf8).withUnsafeBytes({ GoFloat.parse($0) }) {
        case .success(let v): "\(v)"
        case .failure(let f): "\(f)"
        }
    }

    @Test(arguments: [
        ("1", "1.0"), ("-2.5", "-2.5"), (".5", "0.5"), ("5.", "5.0"), ("1E5", "100000.0"), ("1e+5", "100000.0"),
        ("1_000.5", "1000.5"), ("0x1p-2", "0.25"), ("0x1.8p1", "3.0"), ("0x_1p0", "1.0"), ("0X1P4", "16.0"),
        ("Infinity", "inf"), ("-INF", "-inf"), ("+inf", "inf"), ("nan", "nan"), ("NaN", "nan"),
        ("1e-400", "0.0"), ("1e400", "range"), ("-1e400", "range"), ("0x1p2000", "range"),
        ("+nan", "syntax"), ("infinit", "syntax"), ("infinityy", "syntax"), ("0x", "syntax"), ("0x1", "syntax"),
        ("_1", "syntax"), ("1_", "syntax"), ("1__0", "syntax"), (".", "syntax"), ("1e", "syntax"), ("1e+", "syntax"),
        ("", "syntax"), (" 1", "syntax"), ("1 ", "syntax"), ("1.2.3", "syntax"), ("--1", "syntax"), ("0x1g", "syntax"),
    ])
    func parseFloat(_ input: String, _ expected: String) {
        #expect(Self.float(input) == expected)
    }

    @Test(arguments: [
        ("+5", "5"), ("-0", "0"), ("0012", "12"), ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "range(clamped: 9223372036854775807)"), ("-99999999999999999999", "range(clamped: -9223372036854775808)"),
        ("", "syntax"), ("+", "syntax"), ("1.0", "syntax"), ("1_0", "syntax"), (" 1", "syntax"),
    ])
    func parseInt(_ input: String, _ expected: String) {
        let result = Array(input.utf8).withUnsafeBytes { GoInteger.parse($0) }
        switch result {
        case .success(let v): #expect("\(v)" == expected)
        case .failure(let f): #expect("\(f)" == expected)
        }
    }

    @Test(arguments: [
        ("a b", ["a", "b"]), ("  a\t\tb\n", ["a", "b"]), ("a\u{2003}b\u{3000}c", ["a", "b", "c"]), ("a\u{85}b\u{A0}c", ["a", "b", "c"]),
        ("a\u{200B}b", ["a\u{200B}b"]), ("\u{1680}", []), ("", []), ("a\u{202F}\u{205F}b\u{2028}", ["a", "b"]),
    ])
    func fields(_ input: String, _ expected: [String]) {
        let bytes = Array(input.utf8)
        let got = bytes.withUnsafeBytes { raw in GoFields(raw).map { String(decoding: raw[$0], as: UTF8.self) } }
        #expect(got == expected)
        let trimmed = bytes.withUnsafeBytes { raw in String(decoding: raw[GoFields.trimmed(raw)], as: UTF8.self) }
        #expect(trimmed == (expected.isEmpty ? "" : String(input.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())))
    }

    @Test func invalidUTF8IsNotSpace() {
        let bytes: [UInt8] = [0x61, 0xC2, 0x20, 0x62, 0xE2, 0x80, 0x20]
        let got = bytes.withUnsafeBytes { raw in GoFields(raw).map { Array(raw[$0]) } }
        #expect(got == [[0x61, 0xC2], [0x62, 0xE2, 0x80]])
    }

    /// A Swift duration as Go's int64 nanoseconds: exact within its range, saturated beyond.
    @Test(arguments: [
        (Duration.zero, Int64(0)), (.nanoseconds(1), 1), (.milliseconds(-1500), -1_500_000_000),
        (.seconds(86_400) + .nanoseconds(7), 86_400_000_000_007), (.seconds(Int64.max), .max), (.seconds(Int64.min), .min),
    ] as [(Duration, Int64)])
    func durationNanoseconds(duration: Duration, nanoseconds: Int64) {
        #expect(duration.nanosecondCount == nanoseconds)
    }

    /// Go's `time.Duration.String()`.
    @Test(arguments: [
        (Int64(0), "0s"), (1, "1ns"), (1_500, "1.5µs"), (100_000_000, "100ms"), (60_000_000_000, "1m0s"),
        (3_661_000_000_000, "1h1m1s"), (7_800_243_684, "7.800243684s"), (-2_000, "-2µs"),
    ])
    func durationText(nanoseconds: Int64, text: String) {
        #expect(GoDurationText.string(nanoseconds) == text)
    }
}
