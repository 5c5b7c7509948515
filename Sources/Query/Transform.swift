import InfluxQL

/// 1.x's transformations over a stream of points already in output order: derivative,
/// difference (and their non-negative forms), cumulative_sum, moving_average and elapsed.
enum Transform {
    static let names: Set<String> = Set(["derivative", "non_negative_derivative", "difference", "non_negative_difference",
                                         "cumulative_sum", "moving_average", "elapsed", "holt_winters", "holt_winters_with_fit"])
        .union(TechnicalAnalysis.names)

    /// `argument`: the unit (ns) of derivative/elapsed, the window of moving_average.
    static func apply(_ name: String, _ points: [(time: Int64, value: Value)], argument: Int64, ascending: Bool) -> [(time: Int64, value: Value)] {
        if TechnicalAnalysis.names.contains(name) { return TechnicalAnalysis.apply(name, points, .init(packed: argument)) }
        var out: [(time: Int64, value: Value)] = []
        switch name {
        case "derivative", "non_negative_derivative", "difference", "non_negative_difference":
            var prev: (time: Int64, value: Value)?
            var curr: (time: Int64, value: Value)?
            for p in points {
                // Points of a joined series at the current time are discarded after the first.
                if let c = curr, c.time == p.time { continue }
                prev = curr
                curr = p
                guard let a = prev, let b = curr, let x = RawSelect.number(a.value), let y = RawSelect.number(b.value) else { continue }
                if name.hasSuffix("derivative") {
                    // Integers subtract in int64 (wrapping) before becoming floats, as 1.x.
                    var diff = y - x
                    if case .integer(let i) = a.value, case .integer(let j) = b.value { diff = Double(j &- i) }
                    // Go subtracts times in wrapping int64 arithmetic.
                    var elapsed = b.time &- a.time
                    if !ascending { elapsed = 0 &- elapsed }
                    if name == "non_negative_derivative" && diff < 0 { continue }
                    out.append((b.time, .float(diff / (Double(elapsed) / Double(argument)))))
                } else {
                    if case .integer(let i) = a.value, case .integer(let j) = b.value {
                        if name == "non_negative_difference" && j &- i < 0 { continue }
                        out.append((b.time, .integer(j &- i)))
                    } else {
                        if name == "non_negative_difference" && y - x < 0 { continue }
                        out.append((b.time, .float(y - x)))
                    }
                }
            }
        case "cumulative_sum":
            var intSum: Int64 = 0
            var floatSum = 0.0
            for p in points {
                if case .integer(let i) = p.value {
                    intSum &+= i
                    out.append((p.time, .integer(intSum)))
                } else if let x = RawSelect.number(p.value) {
                    floatSum += x
                    out.append((p.time, .float(floatSum)))
                }
            }
        case "moving_average":
            // 1.x keeps a running sum (the value leaving the window subtracted, the new one
            // added): float sums drift as they do there; integer sums are exact int64.
            let n = Int(argument)
            guard n > 0 else { break }
            var window: [Value] = []
            window.reserveCapacity(n)
            var pos = 0
            var sumF = 0.0
            var sumI: Int64 = 0
            for p in points {
                guard RawSelect.number(p.value) != nil else { continue }
                if window.count < n {
                    window.append(p.value)
                } else {
                    if case .integer(let old) = window[pos] { sumI &-= old } else { sumF -= RawSelect.number(window[pos])! }
                    window[pos] = p.value
                }
                if case .integer(let i) = p.value { sumI &+= i } else { sumF += RawSelect.number(p.value)! }
                pos = pos + 1 >= n ? 0 : pos + 1
                if window.count == n {
                    let sum = sumF + Double(sumI)
                    out.append((p.time, .float(sum / Double(n))))
                }
            }
        case "elapsed":
            var prev: Int64?
            for p in points {
                if let t = prev, argument > 0 { out.append((p.time, .integer((p.time &- t) / argument))) }
                prev = p.time
            }
        default:
            break
        }
        return out
    }

    /// The default argument of each transformation.
    static func argument(_ name: String, _ args: [Expr]) -> Int64 {
        if TechnicalAnalysis.names.contains(name) { return TechnicalAnalysis.parameters(name, args) }
        if name.hasPrefix("holt_winters") {
            // h in the low half, m in the high half.
            guard args.count == 3, case .integer(let h) = args[1], case .integer(let m) = args[2] else { return 0 }
            // Past 32 bits the largest value stands in (the forecast's memory check refuses it)
            // rather than a wrapped, smaller one.
            let half: (Int64) -> Int64 = { $0 < 0 || $0 > 0xFFFF_FFFF ? 0xFFFF_FFFF : $0 }
            return half(h) | half(m) << 32
        }
        if args.count > 1 {
            switch args[1] {
            case .duration(let d): return d
            case .integer(let i): return i
            default: break
            }
        }
        switch name {
        case "derivative", "non_negative_derivative": return 1_000_000_000
        default: return 1
        }
    }
}
