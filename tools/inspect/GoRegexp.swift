import CRE2
import InfluxQL

/// Go's `regexp.Regexp` as influx_inspect's filters use it: `regexp.Compile` (Go's syntax and
/// error texts, checked by InfluxQL's port of Go's parser) and `Match` on raw bytes (a match
/// anywhere), run by RE2 in linear time.
final class GoRegexp {
    private let compiled: OpaquePointer

    /// Go's `regexp.Compile`: the error is Go's text (`error parsing regexp: …`).
    static func compile(_ pattern: String) -> Result<GoRegexp, CommandError> {
        if let message = InfluxQLRegex.goError(pattern) { return .failure(CommandError("error parsing regexp: \(message)")) }
        var source = pattern
        // Go refuses a program past its size limit with this code; RE2's budget is the same order.
        guard let re = source.withUTF8({ sundial_re2_new($0.baseAddress, $0.count, 64 << 20) }) else {
            return .failure(CommandError("error parsing regexp: expression too large: `\(pattern)`"))
        }
        return .success(GoRegexp(re))
    }

    private init(_ compiled: OpaquePointer) { self.compiled = compiled }

    deinit { sundial_re2_free(compiled) }

    /// Go's `Match(b)`: whether the pattern matches anywhere in `bytes`.
    func matches(_ bytes: some Collection<UInt8>) -> Bool {
        let result = bytes.withContiguousStorageIfAvailable { b in
            b.withMemoryRebound(to: CChar.self) { sundial_re2_partial_match(compiled, $0.baseAddress, $0.count) }
        }
        if let result { return result != 0 }
        let copy = Array(bytes)
        return copy.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { sundial_re2_partial_match(compiled, $0.baseAddress, $0.count) }
        } != 0
    }
}
