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
            if let escape = TerminalText.escape(scalar) { result += escape } else { result.unicodeScalars.append(scalar) }
        }
        if truncated { result += "… (\(text.unicodeScalars.count) characters)" }
        return result
    }
}
