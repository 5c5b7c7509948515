import Foundation

extension GoMath {
    /// Go's `math.Exp` as its amd64 assembly computes it (Go 1.19, the build of Debian's
    /// influxd): the argument reduced by ln 2 in two parts and by 16, a degree-7 Taylor
    /// polynomial, then squared back four times and scaled by the power of two. The result
    /// differs from the C library's `exp` in the last bits, and is 0 below about -708.4 (no
    /// subnormals). Where the processor has AVX2 and FMA Go takes a fused multiply-add path,
    /// which rounds differently; so does this.
    public static func exp(_ x: Double) -> Double { exp(x, fused: fusedMultiplyAdd) }

    /// `exp` through the chosen path (`fused`: Go's FMA path).
    static func exp(_ x: Double, fused: Bool) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x == -.infinity { return 0 }
        if x > 7.09782712893384e+02 { return .infinity }
        let ln2Upper = 0.69314718055966295651160180568695068359375
        let ln2Lower = 0.28235290563031577122588448175013436025525412068e-12
        let t = 1.4426950408889634073599246810018920 * x
        // CVTSD2SL: rounded to nearest even; out of int32's range it is the "integer indefinite".
        let rounded = t.rounded(.toNearestOrEven)
        let exponent = rounded >= -2147483648 && rounded <= 2147483647 ? Int32(rounded) : Int32.min
        let k = Double(exponent)
        let coefficients = [2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3,
                            4.1666666666666666667e-2, 1.6666666666666666667e-1, 0.5, 1.0]
        var r: Double
        if fused {
            r = x.addingProduct(-k, ln2Upper).addingProduct(-k, ln2Lower) * 0.0625
            var p = coefficients[0]
            for c in coefficients.dropFirst() { p = c.addingProduct(p, r) }
            r *= p
            for _ in 0..<3 { r *= r + 2 }
            r = 1.0.addingProduct(r, r + 2)
        } else {
            r = x - k * ln2Upper
            r = (r - k * ln2Lower) * 0.0625
            var p = coefficients[0] * r
            for c in coefficients.dropFirst().dropLast() { p = (p + c) * r }
            p += coefficients[coefficients.count - 1]
            r *= p
            for _ in 0..<4 { r *= 2 + r }
            r += 1
        }
        let biased = Int64(exponent) + 0x3FF
        if biased <= 0 { return 0 }
        if biased >= 0x7FF { return .infinity }
        return r * Double(bitPattern: UInt64(biased) << 52)
    }

    /// Whether Go's amd64 math takes its FMA paths (`cpu.X86.HasAVX2 && cpu.X86.HasFMA`), read
    /// once from the processor's flags.
    static let fusedMultiplyAdd: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let set = Set(flags.split(separator: " ").map(String.init))
        return set.contains("avx2") && set.contains("fma")
        #else
        return false
        #endif
    }()
}
