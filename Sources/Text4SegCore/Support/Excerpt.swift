/// A short, printable excerpt of text that came from outside (an engine's
/// answer, a file), for messages: control bytes escaped, long text cut.
///
///     Excerpt.quote("a\u{1B}[31mred")   // "a\\u{1B}[31mred"
///     Excerpt.quote(String(repeating: "x", count: 5_000_000))   // 60 characters and "… (5000000 characters)"
public enum Excerpt {
    /// At most `limit` characters of `text`, with control characters written as `\n`, `\t` or `\u{XX}`.
    public static func quote<S: StringProtocol>(_ text: S, limit: Int = 60) -> String {
        var result = ""
        var shown = 0
        var truncated = false
        for scalar in text.unicodeScalars {
            if shown >= limit {
                truncated = true
                break
            }
            shown += 1
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _
            where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator:
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        if truncated { result += "… (\(text.unicodeScalars.count) characters)" }
        return result
    }
}
