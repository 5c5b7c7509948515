import Testing
@testable import Query

/// The technical-analysis parameters survive packing into a transformation's argument, and the
/// warm-up arithmetic matches hand-computed values (the 68 `select-technical` goldens cover
/// the functions end to end against influxd).
@Suite struct TechnicalAnalysisTests {
    @Test(arguments: [(Int64(1), Int64(-1), TechnicalAnalysis.Warmup.exponential), (10, 0, .simple), (65_535, 4_000, .none), (3, 5, .exponential)])
    func parametersRoundTrip(period: Int64, hold: Int64, warmup: TechnicalAnalysis.Warmup) {
        let p = TechnicalAnalysis.Parameters(packed: TechnicalAnalysis.Parameters(period: period, hold: hold, warmup: warmup).packed)
        #expect(p.period == period && p.hold == hold && p.warmup == warmup)
    }

    @Test func emaWarmsUpThenSmooths() {
        var ema = TechnicalAnalysis.EMA(3, .exponential)
        // First value as is; then alpha 2/(count+2) while warming (2/3, then 2/4); then 2/(3+1).
        #expect(ema.add(12) == 12)
        #expect(ema.add(15) == 14)
        #expect(ema.add(10) == 12)
        #expect(ema.add(14) == 13)
        var simple = TechnicalAnalysis.EMA(3, .simple)
        _ = simple.add(12)
        #expect(simple.add(15) == 13.5)
    }

    @Test func holdPeriodDefaultsToWarmCount() {
        let points: [(time: Int64, value: Value)] = (0..<6).map { (Int64($0), .integer(Int64($0 * 2))) }
        let out = TechnicalAnalysis.apply("exponential_moving_average", points, .init(period: 3))
        #expect(out.map(\.time) == [2, 3, 4, 5])
        let held = TechnicalAnalysis.apply("exponential_moving_average", points, .init(period: 3, hold: 0))
        #expect(held.count == 6)
    }
}
