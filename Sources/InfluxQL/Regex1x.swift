import Foundation

/// Checks regex literals as 1.x's `regexp.Compile` does: Go's `regexp/syntax` parser with
/// Perl flags, reduced to what decides acceptance and the error text (`<code>: `<expr>``).
enum Regex1x {
    static func validate(_ pattern: String, at pos: Position) throws(ParseError) {
        // Matching costs up to pattern × text steps in any linear-time engine (RE2, Go's): a
        // megabyte pattern over a long value runs for minutes, so patterns are bounded.
        if pattern.utf8.count > ParseLimits.maxRegexBytes {
            throw .message("regular expression too large: more than \(ParseLimits.maxRegexBytes) bytes", at: pos)
        }
        if let message = goError(pattern) { throw .message("error parsing regexp: \(message)", at: pos) }
    }

    /// Go's error for `pattern`, or nil when Go compiles it.
    static func goError(_ pattern: String) -> String? {
        var parser = GoRegexSyntax(Array(pattern.unicodeScalars))
        return parser.parse()
    }
}

/// The parts of Go's `regexp/syntax.parse` that can fail (Go 1.10–1.11, as Debian's 1.6.7 was
/// built with): the operand stack is kept as markers only.
struct GoRegexSyntax {
    enum Marker { case leftParen, bar, atom }

    let s: [Unicode.Scalar]
    var stack: [Marker] = []

    init(_ s: [Unicode.Scalar]) { self.s = s }

    func text(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(s[from..<min(to, s.count)])) }
    func error(_ code: String, _ from: Int, _ to: Int) -> String { "\(code): `\(text(from, to))`" }

    mutating func parse() -> String? {
        var t = 0
        var lastRepeat: Int?  // start of the previous repetition operator
        while t < s.count {
            var repeatStart: Int?
            let c = s[t]
            switch c {
            case "(":
                if t + 1 < s.count && s[t + 1] == "?" {
                    switch perlFlags(t) {
                    case .failure(let message): return message
                    case .success(let next): t = next
                    }
                } else {
                    stack.append(.leftParen)
                    t += 1
                }
            case "|":
                collapse()
                stack.append(.bar)
                t += 1
            case ")":
                collapse()
                guard let open = stack.lastIndex(where: { $0 == .leftParen }) else { return error("unexpected )", 0, s.count) }
                stack.removeSubrange(open...)
                stack.append(.atom)
                t += 1
            case "[":
                switch charClass(t) {
                case .failure(let message): return message
                case .success(let next): t = next
                }
                stack.append(.atom)
            case "*", "+", "?":
                var after = t + 1
                if after < s.count && s[after] == "?" { after += 1 }
                if let lastRepeat { return error("invalid nested repetition operator", lastRepeat, after) }
                if stack.last == nil || stack.last != .atom { return error("missing argument to repetition operator", t, after) }
                repeatStart = t
                t = after
            case "{":
                guard let (lo, hi, end) = repeatRange(t) else {
                    stack.append(.atom)  // not a repetition: a literal brace
                    t += 1
                    break
                }
                if lo < 0 || lo > 1000 || hi > 1000 || (hi >= 0 && lo > hi) { return error("invalid repeat count", t, end) }
                var after = end
                if after < s.count && s[after] == "?" { after += 1 }
                if let lastRepeat { return error("invalid nested repetition operator", lastRepeat, after) }
                if stack.last == nil || stack.last != .atom { return error("missing argument to repetition operator", t, after) }
                repeatStart = t
                t = after
            case "\\":
                if t + 1 < s.count {
                    let n = s[t + 1]
                    if ["A", "b", "B", "z"].contains(n) {
                        stack.append(.atom)
                        t += 2
                        break
                    }
                    if n == "Q" {
                        var end = t + 2
                        while end < s.count && !(s[end] == "\\" && end + 1 < s.count && s[end + 1] == "E") { end += 1 }
                        if end > t + 2 { stack.append(.atom) }
                        t = end < s.count ? end + 2 : end
                        break
                    }
                }
                var next: Int?
                switch unicodeClass(t) {
                case .failure(let message): return message
                case .success(let end): next = end
                }
                if next == nil { next = perlClass(t) }
                if next == nil {
                    switch escape(t) {
                    case .failure(let message): return message
                    case .success(let end): next = end
                    }
                }
                stack.append(.atom)
                t = next ?? t + 1
            default:
                stack.append(.atom)
                t += 1
            }
            lastRepeat = repeatStart
        }
        collapse()
        if stack.contains(.leftParen) { return error("missing closing )", 0, s.count) }
        return nil
    }

    /// Concatenation and alternation down to the innermost open parenthesis.
    mutating func collapse() {
        var n = stack.count
        while n > 0 && stack[n - 1] != .leftParen { n -= 1 }
        if n < stack.count {
            stack.removeSubrange(n...)
            stack.append(.atom)
        }
    }

    enum Step { case success(Int), failure(String) }
    enum OptionalStep { case success(Int?), failure(String) }

    /// `(?P<name>`, `(?flags)` and `(?flags:`.
    mutating func perlFlags(_ start: Int) -> Step {
        if start + 4 < s.count && s[start + 2] == "P" && s[start + 3] == "<" {
            guard let end = s[start...].firstIndex(of: ">") else { return .failure(error("invalid named capture", start, s.count)) }
            let name = s[(start + 4)..<end]
            let valid = !name.isEmpty && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            if !valid { return .failure(error("invalid named capture", start, end + 1)) }
            stack.append(.leftParen)
            return .success(end + 1)
        }
        var t = start + 2
        var negated = false
        var sawFlag = false
        while t < s.count {
            let c = s[t]
            t += 1
            switch c {
            case "i", "m", "s", "U":
                sawFlag = true
            case "-":
                if negated { return .failure(error("invalid or unsupported Perl syntax", start, t)) }
                negated = true
                sawFlag = false
            case ":", ")":
                if negated && !sawFlag { return .failure(error("invalid or unsupported Perl syntax", start, t)) }
                if c == ":" { stack.append(.leftParen) }
                return .success(t)
            default:
                return .failure(error("invalid or unsupported Perl syntax", start, t))
            }
        }
        return .failure(error("invalid or unsupported Perl syntax", start, t))
    }

    /// `{n}`, `{n,}`, `{n,m}`: (min, max or -1, index after `}`), or nil when it is a literal.
    func repeatRange(_ start: Int) -> (Int, Int, Int)? {
        var t = start + 1
        func int() -> Int? {
            guard t < s.count, ("0"..."9").contains(s[t]) else { return nil }
            if t + 1 < s.count && s[t] == "0" && ("0"..."9").contains(s[t + 1]) { return nil }
            var n = 0
            while t < s.count, ("0"..."9").contains(s[t]) {
                if n >= 100_000_000 { n = -1 } else if n >= 0 { n = n * 10 + Int(s[t].value - 48) }
                t += 1
            }
            return n
        }
        guard var lo = int(), t < s.count else { return nil }
        var hi = lo
        if s[t] == "," {
            t += 1
            guard t < s.count else { return nil }
            if s[t] == "}" {
                hi = -1
            } else {
                guard let m = int() else { return nil }
                hi = m
                if m < 0 { lo = -1 }
            }
        }
        guard t < s.count, s[t] == "}" else { return nil }
        return (lo, hi, t + 1)
    }

    static let posixClasses: Set<String> = ["alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "word", "xdigit"]

    /// `[...]`.
    func charClass(_ start: Int) -> Step {
        var t = start + 1
        if t < s.count && s[t] == "^" { t += 1 }
        var first = true
        while t >= s.count || s[t] != "]" || first {
            first = false
            if t + 2 < s.count && s[t] == "[" && s[t + 1] == ":" {
                var close: Int?
                var k = t + 2
                while k + 1 < s.count { if s[k] == ":" && s[k + 1] == "]" { close = k; break }; k += 1 }
                if let close {
                    var name = text(t + 2, close)
                    if name.hasPrefix("^") { name.removeFirst() }
                    if !Self.posixClasses.contains(name) { return .failure(error("invalid character class range", t, close + 2)) }
                    t = close + 2
                    continue
                }
            }
            switch unicodeClass(t) {
            case .failure(let message): return .failure(message)
            case .success(let next?):
                t = next
                continue
            case .success(nil): break
            }
            if let next = perlClass(t) {
                t = next
                continue
            }
            let rangeStart = t
            let lo: UInt32
            switch classChar(t, classStart: start) {
            case .failure(let message): return .failure(message)
            case .success(let (value, next)):
                lo = value
                t = next
            }
            if t + 1 < s.count && s[t] == "-" && s[t + 1] != "]" {
                t += 1
                switch classChar(t, classStart: start) {
                case .failure(let message): return .failure(message)
                case .success(let (hi, next)):
                    t = next
                    if hi < lo { return .failure(error("invalid character class range", rangeStart, t)) }
                }
            }
        }
        return .success(t + 1)
    }

    enum CharStep { case success((UInt32, Int)), failure(String) }

    func classChar(_ t: Int, classStart: Int) -> CharStep {
        guard t < s.count else { return .failure(error("missing closing ]", classStart, s.count)) }
        if s[t] == "\\" {
            switch escapeValue(t) {
            case .failure(let m): return .failure(m)
            case .success(let r): return .success(r)
            }
        }
        return .success((s[t].value, t + 1))
    }

    /// `\p{Name}`, `\pL`, `\P…`: the index after it, nil if not one, or Go's error.
    func unicodeClass(_ t: Int) -> OptionalStep {
        guard t + 1 < s.count, s[t] == "\\", s[t + 1] == "p" || s[t + 1] == "P" else { return .success(nil) }
        guard t + 2 < s.count else { return .success(nil) }
        var name: String
        var end: Int
        if s[t + 2] != "{" {
            name = String(s[t + 2])
            end = t + 3
        } else {
            guard let close = s[t...].firstIndex(of: "}") else { return .failure(error("invalid character class range", t, s.count)) }
            name = text(t + 3, close)
            end = close + 1
        }
        if name.hasPrefix("^") { name.removeFirst() }
        if name != "Any" && !GoUnicodeTables.categories.contains(name) && !GoUnicodeTables.scripts.contains(name) {
            return .failure(error("invalid character class range", t, end))
        }
        return .success(end)
    }

    /// `\d \D \s \S \w \W`.
    func perlClass(_ t: Int) -> Int? {
        guard t + 1 < s.count, s[t] == "\\", "dDsSwW".unicodeScalars.contains(s[t + 1]) else { return nil }
        return t + 2
    }

    func escape(_ t: Int) -> Step {
        switch escapeValue(t) {
        case .failure(let m): return .failure(m)
        case .success(let (_, next)): return .success(next)
        }
    }

    /// Go's `parseEscape`: the escaped value and the index after it.
    func escapeValue(_ start: Int) -> CharStep {
        var t = start + 1
        guard t < s.count else { return .failure("trailing backslash at end of expression: ``") }
        let c = s[t]
        t += 1
        func invalid() -> CharStep { .failure(error("invalid escape sequence", start, t)) }
        func octal(_ c: Unicode.Scalar) -> Bool { ("0"..."7").contains(c) }
        func hex(_ c: Unicode.Scalar) -> UInt32? {
            switch c {
            case "0"..."9": c.value - 48
            case "a"..."f": c.value - 87
            case "A"..."F": c.value - 55
            default: nil
            }
        }
        switch c {
        case "1"..."7":
            guard t < s.count, octal(s[t]) else { return invalid() }
            fallthrough
        case "0":
            var r = c.value - 48
            for _ in 1..<3 {
                guard t < s.count, octal(s[t]) else { break }
                r = r * 8 + s[t].value - 48
                t += 1
            }
            return .success((r, t))
        case "x":
            guard t < s.count else { return invalid() }
            let d = s[t]
            t += 1
            if d == "{" {
                var r: UInt32 = 0
                var digits = 0
                while true {
                    guard t < s.count else { return invalid() }
                    let h = s[t]
                    t += 1
                    if h == "}" { break }
                    guard let v = hex(h) else { return invalid() }
                    r = r * 16 + v
                    if r > 0x10FFFF { return invalid() }
                    digits += 1
                }
                return digits == 0 ? invalid() : .success((r, t))
            }
            guard t < s.count else { return invalid() }
            let e = s[t]
            t += 1
            guard let x = hex(d), let y = hex(e) else { return invalid() }
            return .success((x * 16 + y, t))
        case "a": return .success((7, t))
        case "f": return .success((12, t))
        case "n": return .success((10, t))
        case "r": return .success((13, t))
        case "t": return .success((9, t))
        case "v": return .success((11, t))
        default:
            // Escaped ASCII punctuation stands for itself; other letters and digits are errors.
            if c.isASCII && !(c.properties.isAlphabetic || ("0"..."9").contains(c)) { return .success((c.value, t)) }
            return invalid()
        }
    }
}

/// Names Go's `unicode` package knows (Unicode 10, Go 1.10): general categories and scripts.
enum GoUnicodeTables {
    static let categories: Set<String> = ["C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
                                          "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk",
                                          "Sm", "So", "Z", "Zl", "Zp", "Zs"]
    static let scripts: Set<String> = [
        "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Bassa_Vah", "Batak",
        "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal", "Carian",
        "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Common", "Coptic", "Cuneiform", "Cypriot", "Cyrillic", "Deseret",
        "Devanagari", "Duployan", "Egyptian_Hieroglyphs", "Elbasan", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha",
        "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic",
        "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada", "Katakana", "Kayah_Li",
        "Kharoshthi", "Khmer", "Khojki", "Khudawadi", "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian",
        "Lydian", "Mahajani", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Meetei_Mayek", "Mende_Kikakui",
        "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean",
        "New_Tai_Lue", "Newa", "Nko", "Nushu", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian",
        "Old_Permic", "Old_Persian", "Old_South_Arabian", "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene",
        "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada",
        "Shavian", "Siddham", "SignWriting", "Sinhala", "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac",
        "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangut", "Telugu", "Thaana", "Thai",
        "Tibetan", "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Warang_Citi", "Yi", "Zanabazar_Square",
    ]
}

/// Time zone names `tz()` accepts (1.x: `time.LoadLocation`).
enum TimeZoneNames {
    static func isKnown(_ name: String) -> Bool {
        if name == "" || name == "UTC" || name == "Local" { return true }
        return TimeZone(identifier: name) != nil
    }
}

/// Go's `regexp.Compile` acceptance for patterns that arrive outside InfluxQL text (Prometheus
/// remote read matchers): Go's error message, or nil when Go compiles the pattern.
public enum InfluxQLRegex {
    public static func goError(_ pattern: String) -> String? { Regex1x.goError(pattern) }
}
