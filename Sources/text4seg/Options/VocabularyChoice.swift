import ArgumentParser
import Text4SegCore

/// `--vocab`, or the vocabulary as class names (`--classes`, `--others`), for the commands that
/// take a vocabulary outside a pipeline (`prompt`, `descriptors`). `label` and `eval` have the
/// same flags as settings (``PipelineSettings``), so that a config file can give them too.
struct VocabularyChoice: ParsableArguments {
    @Option(help: "Vocabulary: a built-in name or a YAML path. (default: pascal-voc, or the dataset layout's)")
    var vocab: String?

    @Option(help: ArgumentHelp(VocabularyChoice.classesHelp))
    var classes: [String] = []

    @Option(help: ArgumentHelp(VocabularyChoice.othersHelp))
    var others: Vocabulary.ListOthers?

    static let classesHelp =
        "The vocabulary as class names instead of --vocab: \"person, dog, sky\" gives ids 1…N in order, 0 is others "
        + "(background); the names are what the engine is asked for. Repeatable."
    static let othersHelp = "With --classes: background (id 0, the default) or ignore (others is the ignore value 255, no class 0)."

    func validate() throws {
        if !classes.isEmpty && vocab != nil { throw ValidationError("--classes cannot be used with --vocab: give one of them") }
        if others != nil && classes.isEmpty { throw ValidationError("--others applies only with --classes") }
    }

    /// What ``Vocabulary/load(_:)`` reads: the class list, else `--vocab`, else `fallback`.
    func source(fallback: String) throws -> String {
        guard !classes.isEmpty else { return vocab ?? fallback }
        return Vocabulary.classListSource(try Vocabulary.classNames(classes), others: others ?? .background)
    }

    /// The vocabulary chosen, else `fallback`'s.
    func load(fallback: String = "pascal-voc") throws -> Vocabulary { try Vocabulary.load(try source(fallback: fallback)) }
}
