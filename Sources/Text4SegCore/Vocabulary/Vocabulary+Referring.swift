import Foundation

extension Vocabulary {
    /// The two-class vocabulary of one referring expression: `others` (0) and the target (1),
    /// whose prompt is the expression. Any label an engine answers other than `others` decodes
    /// to the target, as Text4Seg's referring evaluation reads its answers.
    ///
    ///     let v = Vocabulary.referring("the man in red")
    ///     v.resolve("others")   // 0
    ///     v.unknownValue        // 1
    public static func referring(_ expression: String) -> Vocabulary {
        // The descriptor format separates runs with `|` and counts with `*`: those cannot be in a label.
        let label = String(expression.map { "|*\n\r".contains($0) ? " " : $0 }).trimmingCharacters(in: .whitespaces)
        var vocabulary = Vocabulary(
            name: "referring", description: "one referring expression against everything else",
            classes: [
                // The clip engine looks for the expression against this background query.
                VocabularyClass(id: 0, name: "others", prompt: "others", color: RGBColor(0, 0, 0), queries: ["background"]),
                VocabularyClass(id: 1, name: expression, prompt: label.isEmpty ? "target" : label, color: RGBColor(255, 0, 0)),
            ],
            ignoreValue: 255, othersID: 0)
        vocabulary.unknownValue = 1
        return vocabulary
    }

    /// Whether this is a ``referring(_:)`` vocabulary.
    public var isReferring: Bool { name == "referring" && unknownValue == 1 && labelCount == 2 }
}
