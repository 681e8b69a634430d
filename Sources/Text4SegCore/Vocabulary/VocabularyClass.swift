/// One class of a ``Vocabulary``.
///
/// `id` is the value written into label maps, `name` is what people read,
/// `prompt` is what is sent to (and expected back from) the engine, and
/// `synonyms` are further names accepted when parsing engine output, and `queries`, when
/// given, are the names an open-vocabulary engine (`clip`) looks for instead of the name and
/// synonyms.
public struct VocabularyClass: Hashable, Sendable, Codable {
    public var id: Int
    public var name: String
    public var prompt: String
    public var synonyms: [String]
    public var color: RGBColor
    /// The text queries of open-vocabulary engines for this class (each its own prompt ensemble;
    /// the class takes its best one); `nil`: the name and synonyms.
    public var queries: [String]?

    public init(
        id: Int, name: String, prompt: String? = nil, synonyms: [String] = [], color: RGBColor? = nil, queries: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.prompt = prompt ?? name
        self.synonyms = synonyms
        self.color = color ?? PascalColorMap.color(for: id)
        self.queries = queries
    }
}
