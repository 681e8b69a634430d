/// Text from outside (a file name, a class name, an id, a server's message) made safe to
/// print on a terminal: control characters (C0 such as ESC and CR, DEL, C1) and invisible
/// format characters (bidirectional overrides) are written as `\u{XX}` escapes, so a name
/// cannot move the cursor, recolour the screen, rewrite a line or hide text.
///
///     TerminalText.escaped("a\u{1B}[31mred\rb")           // "a\\u{1B}[31mred\\rb"
///     TerminalText.escaped("line 1\nline 2", keepingLineBreaks: true)   // unchanged
public enum TerminalText {
    /// `text` with every control and format character escaped. With `keepingLineBreaks`,
    /// `\n` and `\t` stay as they are (for whole messages whose lines text4seg itself made).
    public static func escaped<S: StringProtocol>(_ text: S, keepingLineBreaks: Bool = false) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if keepingLineBreaks && (scalar == "\n" || scalar == "\t") {
                result.unicodeScalars.append(scalar)
            } else if let escape = escape(scalar) {
                result += escape
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// How `scalar` is written when it must not reach a terminal raw, or `nil` when it may.
    public static func escape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case _
        where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || scalar.properties.generalCategory == .format
            || scalar.properties.generalCategory == .lineSeparator
            || scalar.properties.generalCategory == .paragraphSeparator:
            return "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        default: return nil
        }
    }
}
