/// A class name as an SVG `<text>` shows it: cut to ``maxCharacters`` with an ellipsis (the
/// full name then goes in a `<title>`), and the width it takes at 12 px, estimated on the safe
/// side so that a chart sized from it does not clip it. The page has no script to measure text,
/// and its font is whatever the reader's browser picks for `system-ui`.
///
///     SVGLabel("chest of drawers").width   // 15 characters of 0.65 em and a `w` of 1 em, at 12 px: 129
struct SVGLabel {
    /// Characters shown before a name is cut.
    static let maxCharacters = 24
    /// The font size of chart text (the page's `svg text` rule), in pixels.
    static let fontSize = 12.0

    var name: String
    /// What is drawn: the name, or its first characters and `…`.
    var shown: String
    /// Estimated pixels `shown` takes.
    var width: Double

    init(_ name: String) {
        self.name = name
        var cut = name.prefix(SVGLabel.maxCharacters - 1)
        while cut.last?.isWhitespace == true { cut = cut.dropLast() }
        shown = name.count > SVGLabel.maxCharacters ? cut + "…" : name
        width = shown.reduce(0) { $0 + SVGLabel.em($1) * SVGLabel.fontSize }
    }

    var truncated: Bool { shown != name }

    /// A character's advance in em, at least as wide as DejaVu Sans and Liberation Sans draw it:
    /// `m`, `w` and capitals are the widest Latin letters (up to 0.99 em), other ASCII is at most
    /// 0.64 em, and anything else (CJK takes a full em) counts as 1 em.
    static func em(_ character: Character) -> Double {
        guard character.isASCII else { return 1 }
        return character.isUppercase || "mw@%".contains(character) ? 1 : 0.65
    }
}
