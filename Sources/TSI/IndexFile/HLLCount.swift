extension HLLSketch {
    /// The cardinality estimate, computed as 1.x's `Count` does, operation for operation, so
    /// that the numbers match influxd's: sparse sketches use linear counting over 2^25 slots
    /// (the list's recorded count when nothing is pending), dense ones the LogLog-Beta
    /// estimate. Go's `math.Log` and `math.Pow` are reproduced rather than calling the C
    /// library, whose last bit can differ.
    public func count() -> UInt64 {
        switch representation {
        case .sparse(let pending, let list):
            let n = pending.isEmpty ? list.count : Self.merged(list, pending).count
            let mp = UInt32(1) << UInt32(Self.sparsePrecision)
            return HLLGoMath.uint64(Self.linearCount(mp, mp &- n))
        case .dense(let registers):
            var sum = 0.0
            var zeros = 0.0
            for value in registers {
                // Go's uint32(1) << v is 0 from v = 32 on, and 1/0 is +Inf.
                sum += 1.0 / Double(UInt32(1) << UInt32(value))
                if value == 0 { zeros += 1 }
            }
            let m = Double(m)
            return HLLGoMath.uint64((alpha * m * (m - zeros) / (Self.beta(zeros) + sum)) + 0.5)
        }
    }

    var alpha: Double {
        switch m {
        case 16: 0.673
        case 32: 0.697
        case 64: 0.709
        default: 0.7213 / (1 + 1.079 / Double(m))
        }
    }

    static func linearCount(_ m: UInt32, _ v: UInt32) -> Double {
        let fm = Double(m)
        return fm * HLLGoMath.log(fm / Double(v))
    }

    /// The LogLog-Beta bias correction for `ez` empty registers (precision 16's constants).
    static func beta(_ ez: Double) -> Double {
        let zl = HLLGoMath.log(ez + 1)
        var sum = -0.37331876643753059 * ez
        sum += -1.41704077448122989 * zl
        sum += 0.40729184796612533 * HLLGoMath.pow(zl, 2)
        sum += 1.56152033906584164 * HLLGoMath.pow(zl, 3)
        sum += -0.99242233534286128 * HLLGoMath.pow(zl, 4)
        sum += 0.26064681399483092 * HLLGoMath.pow(zl, 5)
        sum += -0.03053811369682807 * HLLGoMath.pow(zl, 6)
        sum += 0.00155770210179105 * HLLGoMath.pow(zl, 7)
        return sum
    }
}

/// Go's float64 functions as the amd64 build of influxd computes them (written from their
/// published algorithms).
enum HLLGoMath {
    /// `math.Log`: FDLIBM's reduction to [√2/2, √2) and its degree-14 polynomial.
    static func log(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let l1 = 6.666666666666735130e-01, l2 = 3.999999999940941908e-01, l3 = 2.857142874366239149e-01
        let l4 = 2.222219843214978396e-01, l5 = 1.818357216161805012e-01, l6 = 1.531383769920937332e-01
        let l7 = 1.479819860511658591e-01
        var (f1, ki) = frexp(x)
        if f1 < 2.0.squareRoot() / 2 {
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

    /// `math.Pow` for a non-negative base and a small positive integer exponent: repeated
    /// squaring of the mantissa with the exponent kept apart, then one scaling.
    static func pow(_ x: Double, _ y: Int) -> Double {
        if y == 0 || x == 1 { return 1 }
        if y == 1 { return x }
        if x.isNaN { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return .infinity }
        var a1 = 1.0
        var ae = 0
        var (x1, xe) = frexp(x)
        var i = y
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
        return Double(sign: .plus, exponent: ae, significand: a1)
    }

    /// `math.Frexp`: x = frac × 2^exp with |frac| in [0.5, 1).
    static func frexp(_ x: Double) -> (Double, Int) {
        if x == 0 || !x.isFinite { return (x, 0) }
        return (Double(sign: x.sign, exponent: -1, significand: x.significand), Int(x.exponent) + 1)
    }

    /// Go's float64 → uint64 conversion on amd64: truncation below 2^63, 2^63 added back
    /// above it, and 0x8000_0000_0000_0000 for NaN and out-of-range values (never a trap).
    static func uint64(_ x: Double) -> UInt64 {
        let two63 = 9_223_372_036_854_775_808.0
        if x.isNaN { return 1 << 63 }
        if x < two63 {
            return x > -two63 ? UInt64(bitPattern: Int64(x)) : 1 << 63
        }
        let y = x - two63
        return (y < two63 ? UInt64(bitPattern: Int64(y)) : 1 << 63) | 1 << 63
    }
}
