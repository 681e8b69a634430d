/// An ordered set of classes with the roles the pipeline needs.
///
/// Built-in vocabularies are addressed by name; any YAML file works too:
///
///     let voc = try Vocabulary.load("pascal-voc")
///     voc.class(named: "TV")?.id        // 20
///     voc.promptNames.joined(separator: "|")
public struct Vocabulary: Sendable {
    /// Short name, e.g. `pascal-voc`.
    public var name: String
    public var description: String
    /// Classes in prompt order.
    public var classes: [VocabularyClass]
    /// The label value that means "not labeled" (255 in PASCAL maps).
    public var ignoreValue: Int
    /// The class that stands for `others`/background; `nil` when `others`
    /// maps to ``ignoreValue`` (COCO-Stuff has no background class).
    public var othersID: Int?
    /// What a label outside the vocabulary decodes to: `nil` (the default) for `others`, with a
    /// repair reported; a referring vocabulary sets its target, since there any label but
    /// `others` is foreground (Text4Seg's `model_refer_seg.py`).
    public var unknownValue: Int?

    private var byID: [Int: Int]
    private var exactNames: [String: Int]
    private var foldedNames: [String: Int]

    public init(name: String, description: String = "", classes: [VocabularyClass], ignoreValue: Int = 255, othersID: Int?) {
        self.name = name
        self.description = description
        self.classes = classes
        self.ignoreValue = ignoreValue
        self.othersID = othersID
        var byID: [Int: Int] = [:]
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        for (index, item) in classes.enumerated() {
            if byID[item.id] == nil { byID[item.id] = index }
        }
        // Prompt names and display names win over synonyms, and earlier
        // classes over later ones, so shared synonyms stay deterministic.
        for item in classes {
            for text in [item.prompt, item.name] where exact[text] == nil { exact[text] = item.id }
        }
        for item in classes {
            for text in [item.prompt, item.name] {
                let key = Vocabulary.fold(text)
                if folded[key] == nil { folded[key] = item.id }
            }
        }
        for item in classes {
            for text in item.synonyms {
                let key = Vocabulary.fold(text)
                if folded[key] == nil { folded[key] = item.id }
            }
        }
        // `others` always decodes, to the others class or, without one, to the ignore value.
        let othersValue = othersID ?? ignoreValue
        folded[Vocabulary.fold("others")] = folded[Vocabulary.fold("others")] ?? othersValue
        exact["others"] = exact["others"] ?? othersValue
        self.byID = byID
        self.exactNames = exact
        self.foldedNames = folded
    }

    /// The label value that `others` decodes to.
    public var othersValue: Int { othersID ?? ignoreValue }

    /// One more than the largest id: the number of bins an evaluation needs.
    public var labelCount: Int { (classes.map(\.id).max() ?? -1) + 1 }

    /// Whether label maps of this vocabulary need 16 bits.
    public var needsSixteenBits: Bool { labelCount > 255 || ignoreValue > 255 }

    public func `class`(id: Int) -> VocabularyClass? {
        byID[id].map { classes[$0] }
    }

    /// Looks a name up: exact prompt or display name first, then a folded
    /// match (case, spaces, `_` and `-` ignored) on names and synonyms.
    public func `class`(named text: String) -> VocabularyClass? {
        resolve(text).flatMap { self.class(id: $0) }
    }

    /// The id a label text stands for, or `nil` when unknown.
    public func resolve(_ text: String) -> Int? {
        if let id = exactNames[text] { return id }
        return foldedNames[Vocabulary.fold(text)]
    }

    /// The names sent in the prompt, `others` first when the vocabulary has an others class.
    public var promptNames: [String] {
        var names: [String] = []
        if othersID == nil || classes.first(where: { $0.id == othersID })?.prompt != "others" {
            names.append("others")
        }
        names.append(contentsOf: classes.map(\.prompt))
        return names
    }

    /// The text written for a label value in a descriptor.
    public func promptName(for value: Int) -> String {
        if let item = self.class(id: value) { return item.prompt }
        return "others"
    }

    /// 256 palette entries: PASCAL's map, overridden by the classes' display colors.
    public var palette: [RGBColor] {
        var palette = PascalColorMap.palette
        for item in classes where item.id >= 0 && item.id < 256 { palette[item.id] = displayColor(item) }
        return palette
    }

    /// The color a class is drawn in. Near-black belongs to `others` (and the ignore value)
    /// alone, so that every class is visible: a class whose color is near-black (in the
    /// palettes: COCO-Stuff's handbag) gets ``RGBColor/visible(for:)`` instead.
    public func displayColor(_ item: VocabularyClass) -> RGBColor {
        item.id != othersValue && item.color.isNearBlack ? RGBColor.visible(for: item.id) : item.color
    }

    /// `text` lower-cased, without spaces, underscores and hyphens: how names are matched loosely.
    public static func fold(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text.lowercased() where !(character == " " || character == "_" || character == "-" || character == "\t") {
            result.append(character)
        }
        return result
    }
}
