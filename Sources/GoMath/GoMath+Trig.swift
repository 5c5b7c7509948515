import Foundation

/// Go's trigonometric functions (1.x's sin, cos, tan, asin, acos, atan, atan2): the Cephes
/// polynomials with Go's octant reduction, which differ from libm's in the last bit for
/// some inputs (`tan(1)` is 1.557407724654902 in 1.x, 1.5574077246549023 with libm).
/// From 2^29 on the reduction is Payne-Hanek's, as in the Go (1.19) Debian's influxd is
/// built with: the three-part π/4 loses every bit there.
extension GoMath {
    private static let sinC = [1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
                               -1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1]
    private static let cosC = [-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
                               2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2]

    /// The octant of a non-negative x (made even) and x reduced into it, in extended precision.
    private static func reduce(_ x: Double) -> (j: UInt64, z: Double) {
        if x >= 536_870_912 { return reduceLarge(x) }
        let pi4a = 7.85398125648498535156e-1, pi4b = 3.77489470793079817668e-8, pi4c = 2.69515142907905952645e-15
        let q = x * 1.27323954473516268615107010698011489627567716592365  // 4/π
        var j = UInt64(q)
        var y = Double(j)
        if j & 1 == 1 {
            j &+= 1
            y += 1
        }
        j &= 7
        return (j, ((x - y * pi4a) - y * pi4b) - y * pi4c)
    }

    /// 4/π in binary, 64 bits a word after the leading one: 1,217 bits, enough for the
    /// largest double's exponent.
    private static let fourOverPi: [UInt64] = [
        0x0000_0000_0000_0001, 0x45f3_06dc_9c88_2a53, 0xf84e_afa3_ea69_bb81, 0xb6c5_2b32_7887_2083,
        0xfca2_c757_bd77_8ac3, 0x6e48_dc74_849b_a5c0, 0x0c92_5dd4_13a3_2439, 0xfc3b_d639_6253_4e7d,
        0xd104_6bea_5d76_8909, 0xd338_e04d_68be_fc82, 0x7323_ac73_06a6_73e9, 0x3908_bf17_7bf2_5076,
        0x3ff1_2fff_bc0b_301f, 0xde5e_2316_b414_da3e, 0xda6c_fd9e_4f96_136e, 0x9e8c_7ecd_3cbf_d45a,
        0xea4f_758f_d7cb_e2f6, 0x7a0e_73ef_14a5_25d4, 0xd7f6_bf62_3f1a_ba10, 0xac06_608d_f8f6_d757,
    ]

    /// Payne-Hanek reduction of a finite x ≥ 2^29: x·4/π taken with just the 192 bits of 4/π
    /// that reach the octant and the fraction (integer arithmetic), the fraction then times π/4.
    private static func reduceLarge(_ x: Double) -> (j: UInt64, z: Double) {
        let bits = x.bitPattern
        let exponent = Int((bits >> 52) & 0x7FF) - 1023 - 52
        let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52)
        let digit = (exponent + 61) / 64, shift = UInt64((exponent + 61) % 64)
        // Swift's >> by 64 gives 0, as Go's does.
        func word(_ k: Int) -> UInt64 { (fourOverPi[digit + k] << shift) | (fourOverPi[digit + k + 1] >> (64 - shift)) }
        let (z0, z1, z2) = (word(0), word(1), word(2))
        let z2hi = z2.multipliedFullWidth(by: mantissa).high
        let z1Product = z1.multipliedFullWidth(by: mantissa)
        let z0lo = z0 &* mantissa
        let (lo, carry) = z1Product.low.addingReportingOverflow(z2hi)
        var hi = z0lo &+ z1Product.high &+ (carry ? 1 : 0)
        var j = hi >> 61
        hi = hi << 3 | lo >> 61
        let lz = UInt64(hi.leadingZeroBitCount)
        let e = UInt64(1023) &- (lz + 1)
        hi = (hi << (lz + 1)) | (lo >> (64 - (lz + 1)))
        hi >>= 64 - 52
        hi |= e << 52
        var z = Double(bitPattern: hi)
        if j & 1 == 1 {
            j = (j + 1) & 7
            z -= 1
        }
        return (j, z * (Double.pi / 4))
    }

    private static func sinPoly(_ z: Double, _ zz: Double) -> Double {
        z + z * zz * ((((((sinC[0] * zz) + sinC[1]) * zz + sinC[2]) * zz + sinC[3]) * zz + sinC[4]) * zz + sinC[5])
    }

    private static func cosPoly(_ zz: Double) -> Double {
        1.0 - 0.5 * zz + zz * zz * ((((((cosC[0] * zz) + cosC[1]) * zz + cosC[2]) * zz + cosC[3]) * zz + cosC[4]) * zz + cosC[5])
    }

    public static func sin(_ x: Double) -> Double {
        if x == 0 || x.isNaN { return x }
        if x.isInfinite { return .nan }
        var sign = x < 0
        var (j, z) = reduce(Swift.abs(x))
        if j > 3 {
            sign.toggle()
            j -= 4
        }
        let zz = z * z
        let y = j == 1 || j == 2 ? cosPoly(zz) : sinPoly(z, zz)
        return sign ? -y : y
    }

    public static func cos(_ x: Double) -> Double {
        if x.isNaN || x.isInfinite { return .nan }
        var sign = false
        var (j, z) = reduce(Swift.abs(x))
        if j > 3 {
            j -= 4
            sign.toggle()
        }
        if j > 1 { sign.toggle() }
        let zz = z * z
        let y = j == 1 || j == 2 ? sinPoly(z, zz) : cosPoly(zz)
        return sign ? -y : y
    }

    public static func tan(_ x: Double) -> Double {
        if x == 0 || x.isNaN { return x }
        if x.isInfinite { return .nan }
        let p = [-1.30936939181383777646e4, 1.15351664838587416140e6, -1.79565251976484877988e7]
        let q = [1.0, 1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7]
        let (j, z) = reduce(Swift.abs(x))
        let zz = z * z
        var y = zz > 1e-14 ? z + z * (zz * (((p[0] * zz) + p[1]) * zz + p[2]) / ((((zz + q[1]) * zz + q[2]) * zz + q[3]) * zz + q[4])) : z
        if j & 2 == 2 { y = -1 / y }
        return x < 0 ? -y : y
    }

    /// Cephes' series for [0, 0.66].
    private static func xatan(_ x: Double) -> Double {
        let p0 = -8.750608600031904122785e-01, p1 = -1.615753718733365076637e+01, p2 = -7.500855792314704667340e+01
        let p3 = -1.228866684490136173410e+02, p4 = -6.485021904942025371773e+01
        let q0 = 2.485846490142306297962e+01, q1 = 1.650270098316988542046e+02, q2 = 4.328810604912902668951e+02
        let q3 = 4.853903996359136964868e+02, q4 = 1.945506571482613964425e+02
        var z = x * x
        z = z * ((((p0 * z + p1) * z + p2) * z + p3) * z + p4) / (((((z + q0) * z + q1) * z + q2) * z + q3) * z + q4)
        return x * z + x
    }

    /// atan of a positive x, reduced into [0, 0.66].
    private static func satan(_ x: Double) -> Double {
        let moreBits = 6.123233995736765886130e-17
        if x <= 0.66 { return xatan(x) }
        if x > 2.41421356237309504880 { return Double.pi / 2 - xatan(1 / x) + moreBits }
        return Double.pi / 4 + xatan((x - 1) / (x + 1)) + 0.5 * moreBits
    }

    public static func atan(_ x: Double) -> Double {
        if x == 0 { return x }
        return x > 0 ? satan(x) : -satan(-x)
    }

    public static func asin(_ x: Double) -> Double {
        if x == 0 { return x }
        let sign = x < 0
        let a = Swift.abs(x)
        if a > 1 { return .nan }
        var temp = (1 - a * a).squareRoot()
        temp = a > 0.7 ? Double.pi / 2 - satan(temp / a) : satan(a / temp)
        return sign ? -temp : temp
    }

    public static func acos(_ x: Double) -> Double { Double.pi / 2 - asin(x) }

    public static func atan2(_ y: Double, _ x: Double) -> Double {
        if y.isNaN || x.isNaN { return .nan }
        if y == 0 { return x >= 0 && x.sign == .plus ? Double(signOf: y, magnitudeOf: 0) : Double(signOf: y, magnitudeOf: .pi) }
        if x == 0 { return Double(signOf: y, magnitudeOf: .pi / 2) }
        if x.isInfinite {
            if x == .infinity { return y.isInfinite ? Double(signOf: y, magnitudeOf: .pi / 4) : Double(signOf: y, magnitudeOf: 0) }
            return y.isInfinite ? Double(signOf: y, magnitudeOf: 3 * .pi / 4) : Double(signOf: y, magnitudeOf: .pi)
        }
        if y.isInfinite { return Double(signOf: y, magnitudeOf: .pi / 2) }
        let q = atan(y / x)
        if x < 0 { return q <= 0 ? q + .pi : q - .pi }
        return q
    }
}
