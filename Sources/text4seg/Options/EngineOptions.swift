import ArgumentParser
import Text4SegCore

/// Which engine, which vocabulary, and how the question is asked.
struct EngineOptions: ParsableArguments {
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
                + "(default: the dataset layout's, else pascal-voc)"))
    var vocab: String?

    @Option(help: "Config YAML (see Configs/); flags override it.")
    var config: String?

    @Option(
        help:
            ArgumentHelp(
                "Descriptor grid G (G×G patches): 16, 24 or 32 for Text4Seg checkpoints; "
                    + "\(Limits.grid.lowerBound)–\(Limits.grid.upperBound). (default: 24)")
    )
    var grid: Int?

    @Option(help: "Engine view: the image is stretched to N×N; \(Limits.view.lowerBound)–\(Limits.view.upperBound). (default: 336)")
    var view: Int?

    @Option(help: "oracle: grid rule, nearest (Text4Seg's targets) or majority. (default: nearest)")
    var sampling: GridSampling?

    @Option(name: .customLong("replay"), help: "replay: folder of recorded answers <id>.txt.")
    var replayFolder: String?

    @Option(help: ArgumentHelp("Draw the question template with this seed instead of using the first one.", visibility: .hidden))
    var templateSeed: UInt64?

    @Flag(help: "Treat any descriptor repair as an error for that item.")
    var strict = false

    func validate() throws {
        if let grid { try checkRange(grid, Limits.grid, "--grid") }
        if let view { try checkRange(view, Limits.view, "--view") }
    }
}

/// Sizes past which an item is refused or its work reduced.
struct LimitOptions: ParsableArguments {
    @Option(help: "Images declaring more pixels fail their item before they are decoded. (default: \(Limits.defaultMaxPixels))")
    var maxPixels: Int?

    func validate() throws {
        if let maxPixels { try checkRange(maxPixels, 1...Int(UInt32.max) * 16, "--max-pixels") }
    }
}
