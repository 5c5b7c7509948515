/// The shortest decimal digits that round-trip a double: what Go's `strconv` finds for
/// precision -1 (Swift prints the same shortest, closest digits), the base of Go's float text.
public enum GoDigits {
    /// `shortest(v)` for a positive finite `v`, its digits written to `digits` (at least 32
    /// bytes): returns the digit count and where the decimal point goes (0.0123 → "123", -1).
    public static func shortest(_ v: Double, into digits: UnsafeMutableBufferPointer<UInt8>) -> (count: Int, point: Int) {
        var text = v.description  // Swift prints the shortest round-trip form; short ones need no allocation
        return text.withUTF8 { s in
            var count = 0
            var integerDigits = 0
            var dot = false
            var exponent = 0
            var i = 0
            while i < s.count {
                let c = s[i]
                if c == UInt8(ascii: ".") {
                    dot = true
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    var j = i + 1
                    let negative = j < s.count && s[j] == UInt8(ascii: "-")
                    if j < s.count && (s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "+")) { j += 1 }
                    while j < s.count { exponent = exponent * 10 + Int(s[j] &- UInt8(ascii: "0")); j += 1 }
                    if negative { exponent = -exponent }
                    break
                } else {
                    digits[count] = c
                    count += 1
                    if !dot { integerDigits += 1 }
                }
                i += 1
            }
            var dp = integerDigits + exponent
            var first = 0
            while first < count - 1 && digits[first] == UInt8(ascii: "0") { first += 1; dp -= 1 }
            while count - first > 1 && digits[count - 1] == UInt8(ascii: "0") { count -= 1 }
            if first > 0 {
                for k in first..<count { digits[k - first] = digits[k] }
                count -= first
            }
            return (count, dp)
        }
    }
}
