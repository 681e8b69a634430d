import ArgumentParser
import Text4SegCore
import Text4SegModels

/// The clip engine's settings: `--clip-method` is shown, the rest are hidden (`--help-hidden`).
/// Config files set the same settings in a `clip:` section.
struct CLIPFlags: SettingsFlags {
    typealias Settings = CLIPEngine.Settings

    @Option(
        name: .customLong("clip-method"),
        help: ArgumentHelp("clip: how the last vision block is changed: clearclip, sclip or naclip. (default: clearclip)"))
    var method: CLIPDenseMethod?

    @Option(
        name: .customLong("clip-dataset"),
        help: ArgumentHelp(
            "clip: the method's dataset config (its class names and numbers): auto (the one the vocabulary is), none (the "
                + "vocabulary's own names), or voc21, voc20, context60, context59, coco_stuff164k, coco_object, ade20k, cityscapes. "
                + "(default: auto)"))
    var dataset: String?

    @Option(
        name: .customLong("clip-short-side"),
        help: ArgumentHelp("The image's short side before the windows; 0: the config's. (default: 0)", visibility: .hidden))
    var shortSide: Int?

    @Option(
        name: .customLong("clip-window"),
        help: ArgumentHelp("Sliding window side; 0: the whole image; -1: the config's. (default: -1)", visibility: .hidden))
    var window: Int?

    @Option(
        name: .customLong("clip-stride"),
        help: ArgumentHelp("Sliding window stride; 0: the config's. (default: 0)", visibility: .hidden))
    var stride: Int?

    @Option(
        name: .customLong("clip-logit-scale"),
        help: ArgumentHelp("Cosines times this before the softmax over classes; 0: the config's. (default: 0)", visibility: .hidden))
    var logitScale: Float?

    @Option(
        name: .customLong("clip-background"),
        help: ArgumentHelp(
            "auto (the config's background line; with none, query when the others class is called background), query, threshold "
                + "or none. (default: auto)", visibility: .hidden))
    var background: CLIPEngine.Background?

    @Option(
        name: .customLong("clip-background-threshold"),
        help: ArgumentHelp(
            "Pixels under this best probability become others; negative: the config's. (default: -1)", visibility: .hidden))
    var backgroundThreshold: Float?

    @Option(
        name: .customLong("clip-area-threshold"),
        help: ArgumentHelp(
            "Classes under this share of the pixels are dropped (SCLIP's area_thd); 0: none; negative: the config's. (default: -1)",
            visibility: .hidden))
    var areaThreshold: Float?

    @Option(
        name: .customLong("clip-pamr-steps"),
        help: ArgumentHelp("PAMR iterations on the full-size logits; 0: none; negative: the config's. (default: -1)", visibility: .hidden))
    var pamrSteps: Int?

    @Option(
        name: .customLong("clip-gaussian-std"),
        help: ArgumentHelp("NACLIP's neighborhood window, in patches; 0: the config's (5). (default: 0)", visibility: .hidden))
    var gaussianStd: Float?
}
