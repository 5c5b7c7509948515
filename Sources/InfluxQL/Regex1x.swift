import Foundation

/// Checks regex literals the way 1.x's `regexp.Compile` would reject them. Go's RE2 syntax and
/// ICU's differ in corners; the common failures (unbalanced brackets and parentheses, a
/// repetition with nothing to repeat, trailing backslash) get Go's texts.
enum Regex1x {
    static func validate(_ pattern: String, at pos: Position) throws(ParseError) {
        if let message = goError(pattern) { throw .message("error parsing regexp: \(message)", at: pos) }
        if !pattern.isEmpty, (try? NSRegularExpression(pattern: pattern)) == nil {
            throw .message("error parsing regexp: invalid regular expression: `\(pattern)`", at: pos)
        }
    }

    /// Go's message for the errors it is most likely to meet, or nil.
    static func goError(_ pattern: String) -> String? {
        let chars = Array(pattern.unicodeScalars)
        var depth = 0
        var i = 0
        var previousAtom = false
        var previousRepeat: Unicode.Scalar?
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 >= chars.count { return "trailing backslash at end of expression: ``" }
                i += 2
                previousAtom = true
                previousRepeat = nil
                continue
            case "[":
                var j = i + 1
                if j < chars.count && chars[j] == "^" { j += 1 }
                if j < chars.count && chars[j] == "]" { j += 1 }
                while j < chars.count && chars[j] != "]" {
                    if chars[j] == "\\" { j += 1 }
                    j += 1
                }
                if j >= chars.count { return "missing closing ]: `\(String(String.UnicodeScalarView(chars[i...])))`" }
                i = j + 1
                previousAtom = true
                previousRepeat = nil
                continue
            case "(":
                depth += 1
                previousAtom = false
                previousRepeat = nil
                // `(?flags)` / `(?flags:` / `(?P<name>`: the `?` is not a repetition.
                if i + 1 < chars.count && chars[i + 1] == "?" { i += 1 }
            case ")":
                if depth == 0 { return "unexpected ): `\(pattern)`" }
                depth -= 1
                previousAtom = true
            case "*", "+", "?":
                if let previous = previousRepeat { return "invalid nested repetition operator: `\(previous)\(c)`" }
                if !previousAtom { return "missing argument to repetition operator: `\(c)`" }
                previousAtom = true
                previousRepeat = c
                if i + 1 < chars.count && chars[i + 1] == "?" { i += 1 }  // non-greedy
                i += 1
                continue
            case "|":
                previousAtom = false
            default:
                previousAtom = true
            }
            previousRepeat = nil
            i += 1
        }
        if depth > 0 { return "missing closing ): `\(pattern)`" }
        return nil
    }
}

/// Time zone names `tz()` accepts (1.x: `time.LoadLocation`).
enum TimeZoneNames {
    static func isKnown(_ name: String) -> Bool {
        if name == "" || name == "UTC" || name == "Local" { return true }
        return TimeZone(identifier: name) != nil
    }
}
