import CRE2
import Synchronization

/// A compiled regular expression with Go's `regexp` semantics (RE2 syntax, leftmost-first,
/// UTF-8), matched by RE2 in time linear in the text: no pattern can make a match backtrack
/// for seconds, as `/^(a+)+$/` did with a backtracking engine.
public final class GoRegex: Sendable {
    /// RE2's program budget per pattern: a 1 MB literal fits, a pathological one is refused.
    static let maxProgramBytes: Int64 = 64 << 20

    private nonisolated(unsafe) let compiled: OpaquePointer
    let patternBytes: Int

    /// nil when RE2 refuses the pattern (the parser has already checked Go's syntax, so this
    /// means the compiled program would be too large).
    public init?(_ pattern: String) {
        var source = pattern
        guard let re = source.withUTF8({ sundial_re2_new($0.baseAddress, $0.count, Self.maxProgramBytes) }) else { return nil }
        compiled = re
        patternBytes = pattern.utf8.count
    }

    deinit { sundial_re2_free(compiled) }

    /// Go's `MatchString`: a match anywhere in `text`. RE2 objects are safe to share between
    /// threads for matching.
    public func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { sundial_re2_partial_match(compiled, $0.baseAddress, $0.count) } != 0
    }
}

/// Compiled patterns by source text: a condition's regex is matched once per series (or row),
/// and compiling it each time cost more than the match. Bounded by count and by pattern bytes
/// (a compiled program grows with its pattern): cleared when either is full.
public final class RegexCache: Sendable {
    public static let shared = RegexCache()
    private struct State {
        var entries: [String: GoRegex?] = [:]
        var patternBytes = 0
    }
    private let state = Mutex(State())
    static let maxEntries = 512
    static let maxPatternBytes = 4 << 20

    public func regex(_ pattern: String) -> GoRegex? {
        if let hit = state.withLock({ $0.entries[pattern] }) { return hit }
        let compiled = GoRegex(pattern)
        state.withLock { s in
            if s.entries.count >= Self.maxEntries || s.patternBytes + pattern.utf8.count > Self.maxPatternBytes {
                s.entries.removeAll()
                s.patternBytes = 0
            }
            s.entries[pattern] = compiled
            s.patternBytes += pattern.utf8.count
        }
        return compiled
    }
}
