import Foundation
import Testing
@testable import Query

/// `max-select-point`: 1.x's monitor looks once a second, so only a query that has run that
/// long stops, with 1.x's (misspelt) message. Buckets and series are covered by the
/// `select-limits` goldens.
@Suite struct SelectLimitsTests {
    @Test func pointLimitBitesAfterOneSecond() {
        let old = PointCounter(started: Date().addingTimeInterval(-2))
        old.add(4)
        old.add(1)
        #expect(old.exceeded(3) == "max-select-point limit exceeed: (5/3)")
        #expect(old.exceeded(5) == "max-select-point limit exceeed: (5/5)")
        #expect(old.exceeded(6) == nil)
        #expect(old.exceeded(0) == nil)
        let young = PointCounter()
        young.add(100)
        #expect(young.exceeded(3) == nil)
    }

    @Test(arguments: [
        (Int64(1_000_000_000), Int64(0), Int64(0), Int64(9_999_999_999), nil),
        (1_000_000_000, 0, 0, 10_999_999_999, "max-select-buckets limit exceeded: (11/10)"),
        (1_000_000_000, 500_000_000, 0, 10_000_000_000, "max-select-buckets limit exceeded: (11/10)"),
        (1_000_000_000, 0, Int64.min, 100_000_000_000, nil),
    ] as [(Int64, Int64, Int64, Int64, String?)])
    func buckets(interval: Int64, offset: Int64, min: Int64, max: Int64, expected: String?) {
        do throws(StatementError) {
            try SelectLimits(maxBuckets: 10).checkBuckets(interval: interval, offset: offset, range: (min, max))
            #expect(expected == nil)
        } catch {
            #expect(error.description == expected)
        }
    }
}
