import Foundation

/// Go's `math.Log`, `Log2` and `Log10` (1.x's ln, log, log2 and log10): FreeBSD's algorithm,
/// which libm's correctly rounded log differs from in the last bit for some inputs
/// (`log(3.6, 2)` is 1.8479969065549502 in 1.x, 1.84799690655495 with libm).
extension GoMath {
    public static func log(_ x: Double) -> Double {
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let l1 = 6.666666666666735130e-01, l2 = 3.999999999940941908e-01
        let l3 = 2.857142874366239149e-01, l4 = 2.222219843214978396e-01
        let l5 = 1.818357216161805012e-01, l6 = 1.531383769920937332e-01
        let l7 = 1.479819860511658591e-01
        if x.isNaN || x == .infinity { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        var (f1, ki) = frexp(x)
        if f1 < 0.70710678118654752440084436210484903928483593768847 {
            f1 *= 2
            ki -= 1
        }
        let f = f1 - 1
        let k = Double(ki)
        let s = f / (2 + f)
        let s2 = s * s
        let s4 = s2 * s2
        let t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
        let t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
        let r = t1 + t2
        let hfsq = 0.5 * f * f
        return k * ln2Hi - ((hfsq - (s * (hfsq + r) + k * ln2Lo)) - f)
    }

    /// Exact for powers of two, as Go's.
    public static func log2(_ x: Double) -> Double {
        let (frac, exp) = frexp(x)
        if frac == 0.5 { return Double(exp - 1) }
        return log(frac) * 1.4426950408889634073599246810018921374266 + Double(exp)
    }

    public static func log10(_ x: Double) -> Double {
        log(x) * 0.43429448190325182765112891891660508229439700580366656611445
    }

    /// Go's `Frexp`: a mantissa in [0.5, 1) with x's sign (subnormals normalized) and its
    /// exponent; 0, infinities and NaN come back as they are with exponent 0.
    public static func frexp(_ x: Double) -> (Double, Int) {
        guard x.isFinite, x != 0 else { return (x, 0) }
        return (Double(sign: x.sign, exponent: -1, significand: x.significand), Int(x.exponent) + 1)
    }
}
