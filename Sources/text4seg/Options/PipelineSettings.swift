import Text4SegCore

/// Which engine and vocabulary, and how the question is asked and the answer refined: top-level
/// keys of a config file (`engine: openai`, `grid: 24`) and flags of the same names
/// (`--engine`, `--grid`), every range checked here and nowhere else.
///
///     let pipeline = try PipelineSettings.defaults.applying(["grid": .number(16)])
struct PipelineSettings: SettingsSection, Equatable {
    static let section = "pipeline"
    static let isTopLevel = true
    static let defaults = PipelineSettings()

    /// Where descriptors come from; `nil`: clip when a CLIP checkpoint is installed, else embedded.
    var engine: EngineKind?
    /// A built-in vocabulary's name or a YAML path; `nil`: the dataset layout's, else pascal-voc.
    var vocab: String?
    /// The vocabulary as class names instead (ids 1…N; each entry may hold several, comma-separated).
    var classes: [String]?
    /// With `classes`: whether `others` is class 0 (`background`) or the ignore value.
    var others: Vocabulary.ListOthers?
    /// clip: a Hugging Face CLIP checkpoint folder; `nil`: the one `models pull` installed last.
    var modelDir: String?
    /// Descriptor grid G (G×G patches).
    var grid = 24
    /// Engine view: the image is stretched to N×N.
    var view = PromptBuilder.defaultViewSize
    /// oracle: the grid rule.
    var sampling = GridSampling.nearest
    /// How patch labels become a full-resolution map.
    var refine = RefinerKind.auto
    /// Draw the question template with this seed instead of using the first one.
    var templateSeed: Int?
    /// replay: the folder of recorded answers `<id>.txt`.
    var replay: String?
    /// Treat any descriptor repair as an error for that item.
    var strict = false

    /// The vocabulary's source for ``Vocabulary/load(_:)``: `classes` as a class list, else `vocab`.
    func vocabularySource() throws -> String? {
        guard let classes else { return vocab }
        return Vocabulary.classListSource(try Vocabulary.classNames(classes), others: others ?? .background)
    }

    func validate() throws {
        if classes != nil && vocab != nil {
            throw SettingsError(
                section: "", key: "classes", value: classes?.joined(separator: ", ") ?? "",
                problem: .excludes(other: "vocab"))
        }
        if others != nil && classes == nil {
            throw SettingsError(
                section: "", key: "others", value: others?.rawValue ?? "",
                problem: .needs(other: "classes"))
        }
        try check(grid, Limits.grid, "grid")
        try check(view, Limits.view, "view")
        if let templateSeed { try check(templateSeed, 0...999_999_999_999_999, "templateSeed") }
    }
}
