import GoMath
import Foundation

/// holt_winters / holt_winters_with_fit: 1.x's forecaster, written from its definition. The
/// per-interval aggregates become a regular series (missing intervals NaN), Holt-Winters
/// (damped trend, multiplicative seasons when `m ≥ 2`) is fitted by Nelder-Mead from a grid
/// of starting guesses, and `h` intervals are forecast. Results match 1.x's bytes only if
/// every operation does: 1.x's evaluation mutates the simplex vertices in place (clamping
/// the smoothing parameters, writing back the seasonals), and its `pow` is Go's.
enum HoltWinters {
    /// The forecast (and fit). The regular series spans every interval from the first point
    /// to the last, so it is charged to `memory` before it is made; `interrupted` (the
    /// query's deadline or KILL) is checked between and inside the fits.
    static func forecast(_ points: [(time: Int64, value: Double)], h: Int, m: Int, includeFit: Bool, interval: Int64,
                         memory: QueryMemory? = nil,
                         interrupted: () -> String? = { nil }) throws(StatementError) -> [(time: Int64, value: Double)] {
        let seasonal = m >= 2
        guard points.count >= 2, !(seasonal && points.count < m), h > 0, interval > 0 else { return [] }
        let half = interval / 2
        func round(_ t: Int64) -> Int64 {
            let r = t % interval
            return r > half ? (t / interval &+ 1) &* interval : (t / interval) * interval
        }
        let start = round(points[0].time), stop = round(points[points.count - 1].time)
        let (span, overflow) = stop.subtractingReportingOverflow(start)
        guard overflow || span / interval > 0 else { return [] }
        // Each interval holds a value, and the fit one more (of the series and of h).
        try memory?.charge(overflow ? .max : Int(span / interval) + 1, of: 2 * MemoryLayout<Double>.stride)
        var y = [points[0].value]
        var t = start
        for p in points.dropFirst() {
            let rounded = round(p.time)
            if rounded <= t { continue }
            t &+= interval
            while rounded != t {
                y.append(.nan)
                t &+= interval
            }
            y.append(p.value)
        }
        var l0 = 0.0
        if seasonal {
            for i in 0..<m where !y[i].isNaN { l0 += (1 / Double(m)) * y[i] }
        } else {
            l0 += 0.5 * y[0]
        }
        var b0 = 0.0
        if seasonal {
            var i = 0
            while i < m && m + i < y.count {
                if !y[i].isNaN && !y[m + i].isNaN { b0 += 1 / Double(m * m) * (y[m + i] - y[i]) }
                i += 1
            }
        } else if !y[1].isNaN {
            b0 = 0.5 * (y[1] - y[0])
        }
        var parameters = Array(repeating: 0.0, count: 6 + (seasonal ? m : 0))
        parameters[4] = l0
        parameters[5] = b0
        if seasonal { for i in 0..<m { parameters[6 + i] = y[i].isNaN ? 0 : y[i] / l0 } }

        let model = Model(y: y, seasonal: seasonal)
        var minSSE = Double.infinity
        var best: [Double]?
        // 1.x's grid: 0.3 and 0.7 for each of alpha, beta, gamma, phi (float steps of 0.4).
        var alpha = 0.3
        while alpha < 1.0 {
            var beta = 0.3
            while beta < 1.0 {
                var gamma = 0.3
                while gamma < 1.0 {
                    var phi = 0.3
                    while phi < 1.0 {
                        parameters[0] = alpha
                        parameters[1] = beta
                        parameters[2] = gamma
                        parameters[3] = phi
                        let (sse, params) = NelderMead.optimize(model.sse, start: parameters, epsilon: 1.0e-4, scale: 1,
                                                                stop: { interrupted() != nil })
                        if let why = interrupted() { throw StatementError(why) }
                        if sse < minSSE || best == nil {
                            minSSE = sse
                            best = params
                        }
                        phi += 0.4
                    }
                    gamma += 0.4
                }
                beta += 0.4
            }
            alpha += 0.4
        }
        var params = best!
        let forecasted = model.forecast(h, &params)
        var out: [(time: Int64, value: Double)] = []
        if includeFit {
            let first = points[0].time
            for (i, v) in forecasted.enumerated() where !v.isNaN { out.append((first &+ interval &* Int64(i), v)) }
        } else {
            let last = points[points.count - 1].time
            for (i, v) in forecasted[y.count...].enumerated() where !v.isNaN { out.append((last &+ interval &* (Int64(i) + 1), v)) }
        }
        return out
    }

    struct Model {
        let y: [Double]
        let seasonal: Bool

        /// The fitted series and `h` forecasts. Clamps the smoothing parameters of `params`
        /// and writes the evolving seasonals back into it, as 1.x does.
        func forecast(_ h: Int, _ params: inout [Double]) -> [Double] {
            for i in 0..<4 { params[i] = min(max(params[i], 0), 1) }
            var yT = y[0]
            let phi = params[3]
            var phiH = phi
            var lT = params[4], bT = params[5]
            var m = 0, so = 0
            if seasonal {
                m = params.count - 6
                if m == 1 { params[6] = 1 }
                so = m - 1
            }
            var forecasted = Array(repeating: 0.0, count: y.count + h)
            forecasted[0] = yT
            var stm = 1.0, stmh = 1.0
            for t in 1..<(y.count + h) {
                if seasonal {
                    let hm = t % m
                    stm = params[6 + (t - m + so) % m]
                    stmh = params[6 + (t - m + hm + so) % m]
                }
                let (alpha, beta, gamma) = (params[0], params[1], params[2])
                let lPrev = lT, bPrev = bT
                lT = alpha * (yT / stm) + (1 - alpha) * (lPrev + phi * bPrev)
                bT = beta * (lT - lPrev) + (1 - beta) * phi * bPrev
                let sT = gamma * (yT / (lPrev + phi * bPrev)) + (1 - gamma) * stm
                yT = (lT + phiH * bT) * stmh
                phiH += GoMath.pow(phi, Double(t))
                if seasonal {
                    params[6 + (t + so) % m] = sT
                    so += 1
                }
                forecasted[t] = yT
            }
            return forecasted
        }

        func sse(_ params: inout [Double]) -> Double {
            var sse = 0.0
            let forecasted = forecast(0, &params)
            for i in forecasted.indices where !y[i].isNaN {
                if forecasted[i].isNaN { return .infinity }
                let diff = forecasted[i] - y[i]
                sse += diff * diff
            }
            return sse
        }
    }
}

/// 1.x's Nelder-Mead minimiser (reflection 1, contraction 0.5, expansion 2, at most 1000
/// iterations, stop when the spread of values is under `epsilon`).
enum NelderMead {
    /// `stop` is asked before each step (a step evaluates the model over the whole series,
    /// which can be long): true ends the search where it is.
    static func optimize(_ objective: (inout [Double]) -> Double, start: [Double], epsilon: Double, scale: Double,
                         stop: () -> Bool = { false }) -> (Double, [Double]) {
        let n = start.count
        var v = Array(repeating: Array(repeating: 0.0, count: n), count: n + 1)
        var f = Array(repeating: 0.0, count: n + 1)
        var vr = Array(repeating: 0.0, count: n), ve = vr, vc = vr, vm = vr
        let pn = scale * ((Double(n + 1)).squareRoot() - 1 + Double(n)) / (Double(n) * 2.0.squareRoot())
        let qn = scale * ((Double(n + 1)).squareRoot() - 1) / (Double(n) * 2.0.squareRoot())
        v[0] = start
        for i in 1...n {
            for j in 0..<n { v[i][j] = (i - 1 == j ? pn : qn) + start[j] }
        }
        for j in 0...n { f[j] = objective(&v[j]) }
        for _ in 1...1000 {
            if stop() { break }
            var vg = 0, vs = 0
            for i in 0...n {
                if f[i] > f[vg] { vg = i }
                if f[i] < f[vs] { vs = i }
            }
            var vh = vs
            for i in 0...n where f[i] > f[vh] && f[i] < f[vg] { vh = i }
            for i in 0..<n {
                var cent = 0.0
                for m in 0...n where m != vg { cent += v[m][i] }
                vm[i] = cent / Double(n)
            }
            for i in 0..<n { vr[i] = vm[i] + 1.0 * (vm[i] - v[vg][i]) }
            let fr = objective(&vr)
            if fr < f[vh] && fr >= f[vs] {
                v[vg] = vr
                f[vg] = fr
            }
            if fr < f[vs] {
                for i in 0..<n { ve[i] = vm[i] + 2.0 * (vr[i] - vm[i]) }
                let fe = objective(&ve)
                if fe < fr {
                    v[vg] = ve
                    f[vg] = fe
                } else {
                    v[vg] = vr
                    f[vg] = fr
                }
            }
            if fr >= f[vh] {
                if fr < f[vg] && fr >= f[vh] {
                    for i in 0..<n { vc[i] = vm[i] + 0.5 * (vr[i] - vm[i]) }
                } else {
                    for i in 0..<n { vc[i] = vm[i] - 0.5 * (vm[i] - v[vg][i]) }
                }
                let fc = objective(&vc)
                if fc < f[vg] {
                    v[vg] = vc
                    f[vg] = fc
                } else {
                    for row in 0...n where row != vs {
                        for i in 0..<n { v[row][i] = v[vs][i] + (v[row][i] - v[vs][i]) / 2.0 }
                    }
                    f[vg] = objective(&v[vg])
                    f[vh] = objective(&v[vh])
                }
            }
            var fsum = 0.0
            for i in 0...n { fsum += f[i] }
            let favg = fsum / Double(n + 1)
            var s = 0.0
            for i in 0...n { s += GoMath.pow(f[i] - favg, 2.0) / Double(n) }
            if s.squareRoot() < epsilon { break }
        }
        var vs = 0
        for i in 0...n where f[i] < f[vs] { vs = i }
        var parameters = v[vs]
        let value = objective(&parameters)
        return (value, v[vs])
    }
}
