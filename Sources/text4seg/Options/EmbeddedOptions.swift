import ArgumentParser
import Text4SegCore
import Text4SegModels

/// The embedded engine's tuning knobs (hidden; `--help-hidden` lists them). Config
/// files set the same settings in an `embedded:` section.
struct EmbeddedFlags: SettingsFlags {
    typealias Settings = EmbeddedEngine.Settings

    @Option(
        name: .customLong("embedded-input-size"),
        help: ArgumentHelp("Input size: the image is stretched to N×N, N/32 cells a side; 32–2048. (default: 320)", visibility: .hidden))
    var inputSize: Int?

    @Option(
        name: .customLong("embedded-top-k"),
        help: ArgumentHelp("ImageNet classes that vote per cell; 1–1000. (default: 10)", visibility: .hidden))
    var topK: Int?

    @Option(
        name: .customLong("embedded-gate"),
        help: ArgumentHelp("Keep classes whose whole-image score is at least this share of the best. (default: 0.7)", visibility: .hidden))
    var gate: Float?

    @Option(
        name: .customLong("embedded-background-threshold"),
        help: ArgumentHelp("Cells whose best score is below this become others. (default: 0.08)", visibility: .hidden))
    var backgroundThreshold: Float?

    @Option(
        name: .customLong("embedded-relative-threshold"),
        help: ArgumentHelp("A cell keeps a class only above this share of the class's peak; 0: off. (default: 0)", visibility: .hidden))
    var relativeThreshold: Float?

    @Flag(
        name: .customLong("embedded-normalize-mass"), inversion: .prefixedNo,
        help: ArgumentHelp(
            "Normalize each cell's votes by its top-k probability mass (off: unsure cells vote quietly).", visibility: .hidden))
    var normalizeMass: Bool?

    @Option(
        name: .customLong("embedded-temperature"),
        help: ArgumentHelp("How sharply each ImageNet class goes to its closest vocabulary class. (default: 0.03)", visibility: .hidden))
    var temperature: Float?
}
