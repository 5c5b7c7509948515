@testable import GoMath
import Foundation
import SundialTestSupport
import Testing
@testable import Query

/// Go's `math.Pow` by repeated squaring: exact where the product is, x·x for squares, and
/// within a few ulps of libm elsewhere (rounding per squaring) (the holt_winters goldens pin the exact bits).
@Suite struct GoMathTests {
    @Test func squaresAreProducts() {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<10_000 {
            let x = Double.random(in: -1e6...1e6, using: &rng)
            #expect(GoMath.pow(x, 2) == x * x)
        }
    }

    @Test(arguments: [(0.5, 3.0, 0.125), (2, 10, 1024), (1, 1e9, 1), (0, 3, 0), (3, 0, 1), (-2, 3, -8), (2, -2, 0.25), (4, 0.5, 2)])
    func exactCases(x: Double, y: Double, expected: Double) {
        #expect(GoMath.pow(x, y) == expected)
    }

    @Test func integerPowersStayClose() {
        for t in 1...200 {
            let phi = 0.3 + Double(t % 7) / 10
            let go = GoMath.pow(phi, Double(t)), libm = Foundation.pow(phi, Double(t))
            #expect(abs(go - libm) <= 1e-13 * libm)
        }
    }
}

/// sin, cos and tan past 2^29 take Payne-Hanek's reduction, as Go 1.19's do: the values are
/// what influxd 1.6.7 (Debian, built with Go 1.19) answered for these arguments.
@Suite struct GoTrigLargeArgumentTests {
    static let cases: [(x: Double, sin: Double, cos: Double, tan: Double)] = [
        (536_870_912, 0.3265676630185634, -0.9451738260608966, -0.3455106923343039),
        (536_870_913, -0.6188910888792107, -0.7854768106735582, 0.787917708669849),
        (1e9, 0.5458434494486994, 0.8378871813639024, 0.6514522021451411),
        (123_456_789_012.5, -0.5493739224556733, -0.8355766232522712, 0.6574788082478588),
        (9.2233720368547758e18, 0.9999303766734422, 0.0118000765128003, 84.73931296875521),
        (-9.2233720368547758e18, -0.9999303766734422, 0.0118000765128003, -84.73931296875521),
        (1e22, -0.8522008497671889, 0.5232147853951389, -1.6287782256068992),
        (3.3e100, 0.8509300781026903, 0.5252789755740748, 1.6199583795881285),
        (1.7976931348623157e308, 0.004961954789184084, -0.9999876894265599, -0.004962015874444917),
        (7e15, 0.807603186430403, -0.5897262867360245, -1.3694542783572836),
        (2.5e18, 0.4695426486313185, -0.8829097921737453, -0.5318127092862942),
        (-6.02e23, 0.9271625905775167, 0.37465921933616986, 2.474682438671296),
    ]

    @Test(arguments: cases)
    func matchesInfluxd(_ c: (x: Double, sin: Double, cos: Double, tan: Double)) {
        #expect(GoMath.sin(c.x) == c.sin)
        #expect(GoMath.cos(c.x) == c.cos)
        #expect(GoMath.tan(c.x) == c.tan)
    }
}

/// Float-to-integer conversions never trap: out of range gives Go's indefinite value.
@Suite struct GoConvertTests {
    @Test(arguments: [(1.9, Int64(1)), (-1.9, -1), (1e300, .min), (-1e300, .min), (.nan, .min), (.infinity, .min), (9.223372036854775e18, 9_223_372_036_854_774_784)])
    func int64(f: Double, expected: Int64) {
        #expect(GoConvert.int64(f) == expected)
    }
}

/// exp() as Go 1.19's amd64 assembly computes it: the values are what influxd 1.6.7 answered
/// (golden `select-compare-fixes-20`, recorded on a processor with FMA), which the C library's
/// `exp` misses in the last digit for several of them.
@Suite struct GoExpTests {
    static let cases: [(x: Double, exp: Double)] = [
        (0.5, 1.6487212707001282), (1, 2.718281828459045), (2.5, 12.182493960703473), (-3.75, 0.023517745856009107),
        (10.125, 24959.255641914595), (42, 1739274941520501248), (96.61, 9.06128722016821e+41), (123.456, 4.132944352778106e+53),
        (300.5, 3.2025197146036333e+130), (700.25, 1.3022997366991783e+304), (-700, 9.85967654375977e-305), (-745.5, 0),
        (709.7, .infinity),
    ]

    @Test(arguments: cases)
    func fusedPathMatchesInfluxd(x: Double, exp: Double) {
        #expect(GoMath.exp(x, fused: true) == exp)
    }

    /// Without FMA Go's other path rounds each step; the answers for these arguments stay within
    /// an ulp or two of the fused ones.
    @Test(arguments: cases)
    func unfusedPathStaysClose(x: Double, exp: Double) {
        let plain = GoMath.exp(x, fused: false)
        #expect(plain == exp || abs(plain - exp) <= 4 * exp.ulp)
    }

    @Test func specialValues() {
        #expect(GoMath.exp(.nan).isNaN)
        #expect(GoMath.exp(-.infinity) == 0)
        #expect(GoMath.exp(.infinity) == .infinity)
        #expect(GoMath.exp(710) == .infinity)
        #expect(GoMath.exp(-1e300) == 0)
    }
}
