import GoMath

extension HLLSketch {
    /// The cardinality estimate, computed as 1.x's `Count` does, operation for operation, so
    /// that the numbers match influxd's: sparse sketches use linear counting over 2^25 slots
    /// (the list's recorded count when nothing is pending), dense ones the LogLog-Beta
    /// estimate. Go's `math.Log` and `math.Pow` come from `GoMath`, not the C library, whose
    /// last bit can differ.
    public func count() -> UInt64 {
        switch representation {
        case .sparse(let pending, let list):
            let n = pending.isEmpty ? list.count : Self.merged(list, pending).count
            let mp = UInt32(1) << UInt32(Self.sparsePrecision)
            return GoMath.uint64(Self.linearCount(mp, mp &- n))
        case .dense(let registers):
            var sum = 0.0
            var zeros = 0.0
            for value in registers {
                // Go's uint32(1) << v is 0 from v = 32 on, and 1/0 is +Inf.
                sum += 1.0 / Double(UInt32(1) << UInt32(value))
                if value == 0 { zeros += 1 }
            }
            let m = Double(m)
            return GoMath.uint64((alpha * m * (m - zeros) / (Self.beta(zeros) + sum)) + 0.5)
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
        return fm * GoMath.log(fm / Double(v))
    }

    /// The LogLog-Beta bias correction for `ez` empty registers (precision 16's constants).
    static func beta(_ ez: Double) -> Double {
        let zl = GoMath.log(ez + 1)
        var sum = -0.37331876643753059 * ez
        sum += -1.41704077448122989 * zl
        sum += 0.40729184796612533 * GoMath.pow(zl, 2.0)
        sum += 1.56152033906584164 * GoMath.pow(zl, 3.0)
        sum += -0.99242233534286128 * GoMath.pow(zl, 4.0)
        sum += 0.26064681399483092 * GoMath.pow(zl, 5.0)
        sum += -0.03053811369682807 * GoMath.pow(zl, 6.0)
        sum += 0.00155770210179105 * GoMath.pow(zl, 7.0)
        return sum
    }
}
