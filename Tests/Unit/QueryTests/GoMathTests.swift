import GoMath
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

/// Float-to-integer conversions never trap: out of range gives Go's indefinite value.
@Suite struct GoConvertTests {
    @Test(arguments: [(1.9, Int64(1)), (-1.9, -1), (1e300, .min), (-1e300, .min), (.nan, .min), (.infinity, .min), (9.223372036854775e18, 9_223_372_036_854_774_784)])
    func int64(f: Double, expected: Int64) {
        #expect(GoConvert.int64(f) == expected)
    }
}
