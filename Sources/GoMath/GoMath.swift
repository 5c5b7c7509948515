import Foundation

/// Go's float64 functions as the amd64 build of influxd computes them (written from their
/// published algorithms), where the C library's results differ in the last bits: 1.x's
/// InfluxQL math, the Holt-Winters forecaster and the tsi1 sketches' estimates use them.
///
/// `pow`: Go's `math.Pow`; integer powers come from repeated squaring of the mantissa.
public enum GoMath {
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 || x == 1 { return 1 }
        if y == 1 { return x }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 {
            if y < 0 { return y.truncatingRemainder(dividingBy: 2) != 0 && y == y.rounded() ? (x.sign == .minus ? -.infinity : .infinity) : .infinity }
            return y.truncatingRemainder(dividingBy: 2) != 0 && y == y.rounded() ? x : 0
        }
        if y.isInfinite || x.isInfinite || y == 0.5 || y == -0.5 { return Foundation.pow(x, y) }
        var yi = abs(y).rounded(.towardZero)
        var yf = abs(y) - yi
        if yf != 0 && x < 0 { return .nan }
        if yi >= 9.223372036854775807e18 { return Foundation.pow(x, y) }
        var a1 = 1.0
        var ae = 0
        if yf != 0 {
            if yf > 0.5 {
                yf -= 1
                yi += 1
            }
            a1 = exp(yf * log(x))
        }
        // Go's Frexp: a signed mantissa in [0.5, 1) (Foundation's on Linux drops the sign).
        var x1 = Double(sign: x.sign, exponent: -1, significand: x.significand)
        var xe = Int(x.exponent) + 1
        var i = Int64(yi)
        while i != 0 {
            if xe < -(1 << 12) || (1 << 12) < xe {
                ae += xe
                break
            }
            if i & 1 == 1 {
                a1 *= x1
                ae += xe
            }
            x1 *= x1
            xe <<= 1
            if x1 < 0.5 {
                x1 += x1
                xe -= 1
            }
            i >>= 1
        }
        if y < 0 {
            a1 = 1 / a1
            ae = -ae
        }
        return scalbn(a1, ae)
    }

    /// Go's float64 → uint64 conversion on amd64: truncation below 2^63, 2^63 added back
    /// above it, and 0x8000_0000_0000_0000 for NaN and out-of-range values (never a trap).
    public static func uint64(_ x: Double) -> UInt64 {
        let two63 = 9_223_372_036_854_775_808.0
        if x.isNaN { return 1 << 63 }
        if x < two63 {
            return x > -two63 ? UInt64(bitPattern: Int64(x)) : 1 << 63
        }
        let y = x - two63
        return (y < two63 ? UInt64(bitPattern: Int64(y)) : 1 << 63) | 1 << 63
    }
}
