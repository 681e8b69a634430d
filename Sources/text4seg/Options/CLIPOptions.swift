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
        name: .customLong("clip-short-side"),
        help: ArgumentHelp(
            "The image's short side before the windows; 0: the method's (448 ClearCLIP, else 336). (default: 0)", visibility: .hidden))
    var shortSide: Int?

    @Option(
        name: .customLong("clip-window"),
        help: ArgumentHelp("Sliding window side; 0: the method's (448 ClearCLIP, else 224). (default: 0)", visibility: .hidden))
    var window: Int?

    @Option(
        name: .customLong("clip-stride"),
        help: ArgumentHelp("Sliding window stride; 0: the method's (224 ClearCLIP, else 112). (default: 0)", visibility: .hidden))
    var stride: Int?

    @Option(
        name: .customLong("clip-logit-scale"),
        help: ArgumentHelp(
            "Cosines times this before the softmax over classes; 0: the method's (50 ClearCLIP, else 40). (default: 0)", visibility: .hidden
        ))
    var logitScale: Float?

    @Option(
        name: .customLong("clip-background"),
        help: ArgumentHelp(
            "auto (query when the others class is called background), query, threshold or none. (default: auto)", visibility: .hidden))
    var background: CLIPEngine.Background?

    @Option(
        name: .customLong("clip-background-threshold"),
        help: ArgumentHelp(
            "Pixels under this best probability become others; negative: the method's (0.5 ClearCLIP, else 0.1). "
                + "(default: -1)", visibility: .hidden))
    var backgroundThreshold: Float?

    @Option(
        name: .customLong("clip-gaussian-std"),
        help: ArgumentHelp("NACLIP's neighborhood window, in patches. (default: 5)", visibility: .hidden))
    var gaussianStd: Float?
}
