/// The lines of a text that a person, an editor or another tool wrote: a line ends at
/// `\n`, `\r\n` or `\r`, whichever the file uses (a list saved on Windows or an old Mac).
///
/// Swift treats `"\r\n"` as one `Character`, so `text.split(separator: "\n")` does not
/// split Windows lines at all; every list, journal or answer is split here instead.
///
///     TextLines.split("a\r\nb\rc\n")                       // ["a", "b", "c"]
///     TextLines.split("a\n\nb", omittingEmpty: false)       // ["a", "", "b"]
public enum TextLines {
    /// The lines of `text`, without their line ends. With `omittingEmpty` (the default) blank
    /// lines are dropped; without it every line is kept, so that offsets are line numbers − 1,
    /// and a text that ends with a line end has an empty last line.
    public static func split<S: StringProtocol>(_ text: S, omittingEmpty: Bool = true) -> [S.SubSequence] {
        text.split(omittingEmptySubsequences: omittingEmpty, whereSeparator: isLineEnd)
    }

    /// Whether `character` ends a line: `\n`, `\r\n` or `\r`.
    public static func isLineEnd(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n" || character == "\r"
    }
}
