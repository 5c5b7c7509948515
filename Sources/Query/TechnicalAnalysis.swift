import InfluxQL

/// The technical-analysis transformations of 1.x (its internal `gota` package), written from
/// their definitions: each takes a stream of values and gives one output per input; outputs
/// are held back until `hold` inputs have been seen (-1: the algorithm's warm-up count).
enum TechnicalAnalysis {
    static let names: Set<String> = ["exponential_moving_average", "double_exponential_moving_average", "triple_exponential_moving_average",
                                     "relative_strength_index", "triple_exponential_derivative", "kaufmans_efficiency_ratio",
                                     "kaufmans_adaptive_moving_average", "chande_momentum_oscillator"]

    enum Warmup: Int64 { case exponential = 0, simple = 1, none = 2 }

    /// Period, hold and warm-up packed into the transformation's one Int64 argument.
    struct Parameters {
        var period: Int64
        var hold: Int64 = -1
        var warmup: Warmup = .exponential

        /// A hold past 16 bits packs as the largest (the argument is validated, not bounded).
        var packed: Int64 { (period & 0xFFFF_FFFF) | (min(hold, 0xFFFE) &+ 1) << 32 | warmup.rawValue << 48 }

        init(period: Int64, hold: Int64 = -1, warmup: Warmup = .exponential) {
            self.period = period
            self.hold = hold
            self.warmup = warmup
        }

        init(packed: Int64) {
            period = packed & 0xFFFF_FFFF
            hold = (packed >> 32 & 0xFFFF) - 1
            warmup = Warmup(rawValue: packed >> 48 & 0xFF) ?? .exponential
        }
    }

    /// One exponential moving average (gota's EMA): the first input is the average; until
    /// `period` inputs have been seen the weight is `2/(count+2)` (or the running mean for the
    /// simple warm-up), then `2/(period+1)`.
    struct EMA {
        let period: Int
        var alpha: Double
        let warmup: Warmup
        var last = 0.0
        var count = 0

        init(_ period: Int, _ warmup: Warmup) {
            self.period = period
            alpha = 2 / Double(period + 1)
            self.warmup = warmup
        }

        var warmCount: Int { period - 1 }
        var warmed: Bool { count == period }

        mutating func add(_ v: Double) -> Double {
            var avg: Double
            if count == 0 {
                avg = v
            } else if !warmed {
                if warmup == .simple {
                    avg = (last * Double(count) + v) / Double(count + 1)
                } else {
                    let a = 2 / Double(count + 2)
                    avg = (v - last) * a + last
                }
            } else {
                avg = (v - last) * alpha + last
            }
            last = avg
            if count < period { count += 1 }
            return avg
        }
    }

    /// An indicator: `add` takes the next input and gives the current output.
    protocol Indicator {
        var warmCount: Int { get }
        mutating func add(_ v: Double) -> Double
    }

    struct DEMA: Indicator {
        var e1: EMA, e2: EMA
        init(_ n: Int, _ w: Warmup) { e1 = EMA(n, w); e2 = EMA(n, w) }
        var warmCount: Int { e1.warmup == .exponential ? e1.warmCount : e1.warmCount + e2.warmCount }
        mutating func add(_ v: Double) -> Double {
            let a1 = e1.add(v)
            let a2 = e1.warmed || e1.warmup == .exponential ? e2.add(a1) : a1
            return 2 * a1 - a2
        }
    }

    struct TEMA: Indicator {
        var e1: EMA, e2: EMA, e3: EMA
        init(_ n: Int, _ w: Warmup) { e1 = EMA(n, w); e2 = EMA(n, w); e3 = EMA(n, w) }
        var warmCount: Int { e1.warmup == .exponential ? e1.warmCount : e1.warmCount + e2.warmCount + e3.warmCount }
        mutating func add(_ v: Double) -> Double {
            let a1 = e1.add(v)
            let a2 = e1.warmed || e1.warmup == .exponential ? e2.add(a1) : a1
            let a3 = e2.warmed || e2.warmup == .exponential ? e3.add(a2) : a2
            return 3 * a1 - 3 * a2 + a3
        }
    }

    struct SingleEMA: Indicator {
        var e: EMA
        var warmCount: Int { e.warmCount }
        mutating func add(_ v: Double) -> Double { e.add(v) }
    }

    /// RSI, and CMO with a warm-up (gota's CMOS): smoothed ups and downs, alpha `1/period`.
    struct UpDown: Indicator {
        var up: EMA, down: EMA
        var lastV = 0.0
        let oscillator: Bool
        init(_ n: Int, _ w: Warmup, oscillator: Bool) {
            var e = EMA(n + 1, w)
            e.alpha = 1 / Double(n)
            up = e
            down = e
            self.oscillator = oscillator
        }
        var warmCount: Int { up.warmCount }
        mutating func add(_ v: Double) -> Double {
            _ = up.add(v > lastV ? v - lastV : 0)
            _ = down.add(v < lastV ? lastV - v : 0)
            lastV = v
            if oscillator { return 100 * ((up.last - down.last) / (up.last + down.last)) }
            return 100 - (100 / (1 + up.last / down.last))
        }
    }

    struct TRIX: Indicator {
        var e1: EMA, e2: EMA, e3: EMA
        var last = 0.0
        init(_ n: Int, _ w: Warmup) { e1 = EMA(n, w); e2 = EMA(n, w); e3 = EMA(n, w) }
        var warmCount: Int { e1.warmup == .exponential ? e1.warmCount + 1 : e1.warmCount * 3 + 1 }
        mutating func add(_ v: Double) -> Double {
            var cur = e1.add(v)
            if e1.warmed || e1.warmup == .exponential {
                cur = e2.add(cur)
                if e2.warmed || e2.warmup == .exponential { cur = e3.add(cur) }
            }
            let rate = ((cur / last) - 1) * 100
            last = cur
            return rate
        }
    }

    /// Kaufman's efficiency ratio: |net change| / Σ|changes| over a ring of `period` points.
    struct KER: Indicator {
        var prices: [Double], diffs: [Double]
        var noise = 0.0
        var count = 0
        var idx = 0
        init(_ n: Int) { prices = Array(repeating: 0, count: n); diffs = Array(repeating: 0, count: n) }
        var warmCount: Int { prices.count }
        var warmed: Bool { count == prices.count + 1 }
        mutating func add(_ v: Double) -> Double {
            var oldest = idx + 1
            if oldest >= prices.count { oldest = 0 }
            let signal = abs(v - prices[oldest])
            let diff = abs(v - prices[idx])
            noise -= diffs[oldest]
            noise += diff
            idx = oldest
            prices[idx] = v
            diffs[idx] = diff
            if !warmed { count += 1 }
            return signal == 0 || noise == 0 ? 0 : signal / noise
        }
    }

    struct KAMA: Indicator {
        var ker: KER
        var last = 0.0
        init(_ n: Int) { ker = KER(n) }
        var warmCount: Int { ker.warmCount }
        mutating func add(_ v: Double) -> Double {
            if !ker.warmed { last = ker.prices[ker.idx] }
            let er = ker.add(v)
            // The smoothing constant between the fast (2/(2+1)) and slow (2/(30+1)) rates; the
            // constants as 1.x's compiler folds them exactly (56/93 = 2/3 − 2/31), and
            // its pow(x, 2) is x·x.
            let base = er * (56.0 / 93.0) + 2.0 / 31.0
            let sc = base * base
            last = last + sc * (v - last)
            return last
        }
    }

    /// Chande's momentum oscillator without warm-up: sums of ups and downs over a ring of
    /// `period - 1` changes.
    struct CMO: Indicator {
        var prices: [Double], diffs: [Double]
        var up = 0.0, down = 0.0
        var count = 0
        var idx = 0
        init(_ n: Int) { prices = Array(repeating: 0, count: max(n - 1, 0)); diffs = prices }
        var warmCount: Int { prices.count }
        mutating func add(_ v: Double) -> Double {
            // A one-point ring (period 1) cannot hold anything: 1.x panics there; nothing is emitted.
            guard !prices.isEmpty else { return .nan }
            var oldest = idx + 1
            if oldest == prices.count { oldest = 0 }
            var diff = 0.0
            if count != 0 {
                diff = v - prices[idx]
                if diff > 0 { up += diff } else if diff < 0 { down -= diff }
            }
            var out = 0.0
            if up != 0 || down != 0 { out = 100.0 * ((up - down) / (up + down)) }
            let old = diffs[oldest]
            if old > 0 { up -= old } else if old < 0 { down += old }
            prices[oldest] = v
            diffs[oldest] = diff
            idx = oldest
            if count != prices.count + 2 { count += 1 }
            return out
        }
    }

    /// `points` is how many values it will see: a ring longer than that is never read past the
    /// slots those values write (unwritten slots read as zero), so it is cut to `points + 1`
    /// and a period of 2^31 does not allocate 32 GB for ten points.
    static func indicator(_ name: String, _ p: Parameters, points: Int) -> any Indicator {
        let n = Int(p.period)
        let ring = min(n, points + 1)
        switch name {
        case "double_exponential_moving_average": return DEMA(n, p.warmup)
        case "triple_exponential_moving_average": return TEMA(n, p.warmup)
        case "relative_strength_index": return UpDown(n, p.warmup, oscillator: false)
        case "triple_exponential_derivative": return TRIX(n, p.warmup)
        case "kaufmans_efficiency_ratio": return KER(ring)
        case "kaufmans_adaptive_moving_average": return KAMA(ring)
        case "chande_momentum_oscillator":
            return p.warmup == .none ? CMO(n <= 1 ? n : min(n, points + 2)) as any Indicator : UpDown(n, p.warmup, oscillator: true)
        default: return SingleEMA(e: EMA(n, p.warmup))
        }
    }

    /// The indicator over the points' values (integers as floats), 1.x's stream reducer:
    /// nothing until more than `hold` points; infinities dropped for TRIX and the Kaufman pair.
    static func apply(_ name: String, _ points: [(time: Int64, value: Value)], _ p: Parameters) -> [(time: Int64, value: Value)] {
        var ind = indicator(name, p, points: points.count)
        let hold = p.hold == -1 ? ind.warmCount : Int(p.hold)
        let dropsInfinity = ["triple_exponential_derivative", "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average"].contains(name)
        var out: [(time: Int64, value: Value)] = []
        var count = 0
        for point in points {
            guard let x = RawSelect.number(point.value) else { continue }
            let v = ind.add(x)
            count += 1
            if count <= hold || (dropsInfinity && v.isInfinite) { continue }
            out.append((point.time, .float(v)))
        }
        return out
    }

    /// The packed parameters of a call's arguments (already validated by the compiler).
    static func parameters(_ name: String, _ args: [Expr]) -> Int64 {
        var p = Parameters(period: 1, warmup: name == "chande_momentum_oscillator" ? .none : .exponential)
        if args.count > 1, case .integer(let n) = args[1] { p.period = n }
        if args.count > 2, case .integer(let h) = args[2] { p.hold = h }
        if args.count > 3, case .string(let w) = args[3] {
            p.warmup = w == "simple" ? .simple : w == "none" ? .none : .exponential
        }
        return p.packed
    }
}
