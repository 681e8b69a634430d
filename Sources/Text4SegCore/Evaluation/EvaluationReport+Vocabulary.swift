/// The vocabulary found for a report is not the one its run used.
public struct ReportVocabularyError: Error, CustomStringConvertible, Sendable {
    /// Where the vocabulary was loaded from.
    public var source: String

    public init(source: String) { self.source = source }

    public var description: String {
        "vocabulary '\(source)' is not the one the run used (content hash differs); pass --vocab"
    }
}

extension EvaluationReport {
    /// The vocabulary the run used: `override` (a built-in name or a file), else as the run named
    /// it (settings `vocabulary.source`); refused (``ReportVocabularyError``) when its content hash
    /// is not the run's.
    public func vocabulary(override: String?) throws -> Vocabulary {
        // A referring run's items each had their own two-class vocabulary; the report keeps their placeholder.
        if override == nil && settings["dataset.layout"] == DatasetLayout.refer.rawValue {
            let referring = Vocabulary.referring("target")
            if settings["vocabulary.hash"] == referring.contentHash { return referring }
        }
        let source = override ?? settings["vocabulary.source"] ?? self.vocabulary
        let loaded = try Vocabulary.load(source)
        if let hash = settings["vocabulary.hash"], hash != loaded.contentHash { throw ReportVocabularyError(source: source) }
        return loaded
    }
}
