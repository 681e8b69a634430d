/// One class of a ``Vocabulary``.
///
/// `id` is the value written into label maps, `name` is what people read,
/// `prompt` is what is sent to (and expected back from) the engine, and
/// `synonyms` are further names accepted when parsing engine output.
public struct VocabularyClass: Hashable, Sendable, Codable {
    public var id: Int
    public var name: String
    public var prompt: String
    public var synonyms: [String]
    public var color: RGBColor

    public init(id: Int, name: String, prompt: String? = nil, synonyms: [String] = [], color: RGBColor? = nil) {
        self.id = id
        self.name = name
        self.prompt = prompt ?? name
        self.synonyms = synonyms
        self.color = color ?? PascalColorMap.color(for: id)
    }
}
