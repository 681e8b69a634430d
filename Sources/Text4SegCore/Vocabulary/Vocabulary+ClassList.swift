import Foundation

extension Vocabulary {
    /// What `others` becomes in a vocabulary made from a list of names.
    public enum ListOthers: String, Sendable, CaseIterable, Codable, SettingChoice {
        /// Id 0, a class named `background` that the engine is asked for as `others`.
        case background
        /// No class: `others` is the ignore value (255).
        case ignore
    }

    /// The class names in `texts` (`--classes "person, dog" --classes sky`): each split at
    /// commas and trimmed. Empty names are refused with what a correct list looks like.
    public static func classNames(_ texts: [String]) throws -> [String] {
        var names: [String] = []
        for text in texts {
            for (position, part) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let name = part.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !name.isEmpty else {
                    throw VocabularyError.badClassList(
                        "--classes: empty class name (entry \(position + 1) of '\(text)'); write the names between commas: "
                            + "--classes \"person, dog, sky\"")
                }
                names.append(name)
            }
        }
        guard !names.isEmpty else { throw VocabularyError.badClassList("--classes: no class names; write --classes \"person, dog, sky\"") }
        return names
    }

    /// The source text of the vocabulary `names` make, for ``load(_:)``, reports and run
    /// fingerprints: ids 1…N in order, and `others` as `others` says. It is a one-line YAML
    /// mapping, so `Vocabulary.load` reads it back to the same vocabulary.
    ///
    ///     Vocabulary.classListSource(["person", "dog"])
    ///     // {name: custom, others: 0, classes: ["person", "dog"]}
    public static func classListSource(_ names: [String], others: ListOthers = .background) -> String {
        "{name: custom, others: \(others == .ignore ? "ignore" : "0"), classes: [\(names.map(quoted).joined(separator: ", "))]}"
    }

    /// The vocabulary `names` make (``classListSource(_:others:)``), checked as a file's would be.
    public static func classList(_ names: [String], others: ListOthers = .background) throws -> Vocabulary {
        try load(classListSource(names, others: others))
    }

    /// The same vocabulary as a YAML file in the full form, a starting point to add synonyms,
    /// prompt names and colors to (`vocab init --classes`).
    public static func classListYAML(_ names: [String], others: ListOthers = .background) -> String {
        var text = """
            # A vocabulary for text4seg (`text4seg vocab check` reports every problem).
            # ids: the label values written; prompt: the name the engine is asked for (default: name);
            # synonyms: more names accepted in answers; color: [r, g, b] (default: the PASCAL color map).
            name: custom
            description: \(quoted("\(names.count) classes"))
            ignore: 255
            others: \(others == .ignore ? "ignore" : "0")
            classes:

            """
        if others == .background { text += "  - id: 0\n    name: background\n    prompt: others\n" }
        var id = 1
        for name in names {
            text += "  - id: \(id)\n    name: \(quoted(name))\n"
            id += 1
        }
        return text
    }

    /// `text` as a YAML double-quoted scalar (JSON's string escapes, which YAML shares).
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
    }
}
