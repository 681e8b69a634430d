import Foundation

/// The vocabularies shipped with text4seg: the YAML files in `Vocabularies/`,
/// compiled into the library so that the binary needs no files beside it.
public enum BuiltinVocabularies {
    /// Names of the built-in vocabularies, sorted.
    public static var names: [String] { EmbeddedVocabularies.files.keys.sorted() }

    /// The YAML text of a built-in vocabulary, or `nil`.
    public static func text(named name: String) -> String? { EmbeddedVocabularies.files[name] }
}

extension Vocabulary {
    /// Loads a YAML file by path, a built-in vocabulary by name (`pascal-voc`), or a one-line YAML
    /// mapping such as ``classListSource(_:others:)`` makes (`{classes: [person, dog]}`).
    public static func load(_ nameOrPath: String) throws -> Vocabulary {
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try VocabularyLoader.load(path: nameOrPath)
        }
        if nameOrPath.hasPrefix("{") {
            // A one-line YAML mapping: what `--classes` makes (``classListSource(_:others:)``).
            let (vocabulary, issues) = VocabularyLoader.parse(nameOrPath, file: "--classes")
            guard let vocabulary else { throw VocabularyError.invalid(issues) }
            return vocabulary
        }
        if let text = BuiltinVocabularies.text(named: nameOrPath) {
            let (vocabulary, issues) = VocabularyLoader.parse(text, file: "Vocabularies/\(nameOrPath).yaml")
            guard let vocabulary else { throw VocabularyError.invalid(issues) }
            return vocabulary
        }
        throw VocabularyError.notFound(nameOrPath, builtIn: BuiltinVocabularies.names)
    }
}
