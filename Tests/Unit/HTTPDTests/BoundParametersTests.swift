import InfluxQL
import Testing

@testable import HTTPD

/// `params` JSON nested past 1,000 arrays or objects is refused with Go 1.15+'s text instead of
/// recursing until the stack runs out (a 50,000-deep `[[[…` killed the daemon).
@Suite struct BoundParametersTests {
    @Test(arguments: [(1_000, true), (1_001, false), (50_000, false)])
    func nesting(depth: Int, accepted: Bool) {
        let text = #"{"x":"# + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"
        do throws(BoundParameters.Failure) {
            _ = try BoundParameters.parse(text)
            #expect(accepted)
        } catch {
            #expect(!accepted)
            #expect(error == .syntax("exceeded max depth"))
        }
    }

    @Test func plainValuesStillBind() throws {
        let bound = try BoundParameters.parse(#"{"host":"a","n":3,"f":1.5,"b":true}"#)
        #expect(bound["host"]?.text == "a")
        #expect(bound["n"]?.text == "3")
        #expect(bound["f"]?.text == "1.5")
        #expect(bound["b"]?.token == .true)
    }
}
