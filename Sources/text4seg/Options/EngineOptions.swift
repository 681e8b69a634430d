import ArgumentParser
import Text4SegCore

/// Which engine, which vocabulary, and how the question is asked: each property is a
/// ``PipelineSettings`` key, so the flags reach the settings, and are range-checked, by the
/// same code as the config file's top-level keys.
struct EngineOptions: SettingsFlags {
    typealias Settings = PipelineSettings

    @Option(
        help: ArgumentHelp(
            "Where descriptors come from: embedded (offline, CPU), clip (a CLIP checkpoint, CPU), openai (a Text4Seg server), "
                + "oracle (from ground truth) or replay (recorded answers). (default: clip when a CLIP checkpoint is installed, else embedded)"
        ))
    var engine: EngineKind?

    @Option(
        name: .customLong("model-dir"),
        help: ArgumentHelp(
            "clip: a Hugging Face CLIP checkpoint folder (config.json, model.safetensors, vocab.json, merges.txt). "
                + "(default: the one `text4seg models pull` installed last)"))
    var modelDir: String?

    @Option(
        help: ArgumentHelp(
            "Vocabulary: a built-in name (pascal-voc, pascal-context-59, coco-stuff-171, ade20k-150) or a YAML path. "
                + "(default: eval: the dataset layout's; label: pascal-voc)"))
    var vocab: String?

    @Option(help: ArgumentHelp(VocabularyChoice.classesHelp))
    var classes: [String] = []

    @Option(help: ArgumentHelp(VocabularyChoice.othersHelp))
    var others: Vocabulary.ListOthers?

    @Option(
        help:
            ArgumentHelp(
                "Descriptor grid G (G×G patches): 16, 24 or 32 for Text4Seg checkpoints; "
                    + "\(Limits.grid.lowerBound)–\(Limits.grid.upperBound). (default: \(Settings.defaults.grid))")
    )
    var grid: Int?

    @Option(
        help: ArgumentHelp(
            "Engine view: the image is stretched to N×N; \(Limits.view.lowerBound)–\(Limits.view.upperBound). "
                + "(default: \(Settings.defaults.view))"))
    var view: Int?

    @Option(
        help: ArgumentHelp(
            "oracle: grid rule, nearest (Text4Seg's targets) or majority. (default: \(Settings.defaults.sampling.rawValue))"))
    var sampling: GridSampling?

    @Option(help: "replay: folder of recorded answers <id>.txt.")
    var replay: String?

    @Option(help: ArgumentHelp("Draw the question template with this seed instead of using the first one.", visibility: .hidden))
    var templateSeed: Int?

    @Flag(inversion: .prefixedNo, help: "Treat any descriptor repair as an error for that item. (default: off)")
    var strict: Bool?
}

/// `--config`: the YAML whose values the flags override.
struct ConfigOption: ParsableArguments {
    @Option(help: "Config YAML (see Configs/); flags override it.")
    var config: String?
}

/// Sizes past which an item is refused or its work reduced, and how many items are in flight
/// (``LimitSettings``; config keys of the same names).
struct LimitOptions: SettingsFlags {
    typealias Settings = LimitSettings

    @Option(
        help: ArgumentHelp(
            "Images declaring more pixels fail their item before they are decoded; "
                + "\(Limits.maxPixels.lowerBound)–\(Limits.maxPixels.upperBound). (default: \(Settings.defaults.maxPixels))"))
    var maxPixels: Int?

    @Option(
        help: ArgumentHelp(
            "Refine larger images at a reduced size and upsample the labels, bounding time and memory; "
                + "\(Limits.maxRefinePixels.lowerBound)–\(Limits.maxRefinePixels.upperBound). "
                + "(default: \(Settings.defaults.maxRefinePixels))"))
    var maxRefinePixels: Int?

    @Option(
        help: ArgumentHelp(
            "Items in flight at once, \(Limits.concurrency.lowerBound)–\(Limits.concurrency.upperBound). "
                + "(default: the number of CPU cores for offline engines, 8 for openai)"))
    var concurrency: Int?
}
