import ArgumentParser
import Text4SegCore

// One group of hidden flags per tunable refiner (`--help-hidden` lists them). Each
// property is named after the refiner's setting; config files set the same settings
// in a section named after the refiner (`watershed: {margin: 0.34}`).

/// `--refine watershed`.
struct WatershedFlags: SettingsFlags {
    typealias Settings = WatershedRefiner

    @Option(
        name: .customLong("watershed-margin"),
        help: ArgumentHelp("Band around label changes that the image re-decides, in cells. (default: 0.34)", visibility: .hidden))
    var margin: Float?

    @Option(
        name: .customLong("watershed-others-margin"),
        help: ArgumentHelp("The same band for others, in cells. (default: 1.6)", visibility: .hidden))
    var othersMargin: Float?

    @Option(
        name: .customLong("watershed-sigma"),
        help: ArgumentHelp("Gaussian smoothing of the image, in pixels. (default: 1.5)", visibility: .hidden))
    var sigma: Float?

    @Option(
        name: .customLong("watershed-color-weight"),
        help: ArgumentHelp("Weight of the color distance to the flood's start, against the gradient. (default: 0.3)", visibility: .hidden))
    var colorWeight: Float?

    @Option(
        name: .customLong("watershed-lightness-weight"),
        help: ArgumentHelp("Weight of L* against a* and b*. (default: 0.5)", visibility: .hidden))
    var lightnessWeight: Float?
}

/// `--refine crf`.
struct CRFFlags: SettingsFlags {
    typealias Settings = DenseCRFRefiner

    @Option(name: .customLong("crf-iterations"), help: ArgumentHelp("Mean-field iterations; 1–100. (default: 5)", visibility: .hidden))
    var iterations: Int?

    @Option(
        name: .customLong("crf-gaussian-sxy"),
        help: ArgumentHelp("Smoothness kernel position scale in pixels. (default: 3)", visibility: .hidden))
    var gaussianSXY: Float?

    @Option(
        name: .customLong("crf-gaussian-compat"), help: ArgumentHelp("Smoothness kernel weight. (default: 3)", visibility: .hidden))
    var gaussianCompat: Float?

    @Option(
        name: .customLong("crf-bilateral-sxy"),
        help: ArgumentHelp(
            "Bilateral kernel position scale in pixels. (default: 50 on engine scores, 15 on patch labels)", visibility: .hidden))
    var bilateralSXY: Float?

    @Option(
        name: .customLong("crf-bilateral-srgb"),
        help: ArgumentHelp("Bilateral kernel color scale. (default: 13 on engine scores, 5 on patch labels)", visibility: .hidden))
    var bilateralSRGB: Float?

    @Option(name: .customLong("crf-bilateral-compat"), help: ArgumentHelp("Bilateral kernel weight. (default: 10)", visibility: .hidden))
    var bilateralCompat: Float?

    @Option(
        name: .customLong("crf-ground-truth-probability"),
        help: ArgumentHelp(
            "Confidence of upsampled labels in the unary; 0.01–0.99. (default: 0.9 on engine scores, 0.6 on patch labels)",
            visibility: .hidden))
    var groundTruthProbability: Float?

    @Option(
        name: .customLong("crf-upsampling"),
        help: ArgumentHelp("Upsampling before inference, nearest or bilinear. (default: nearest)", visibility: .hidden))
    var upsampling: Upsampling?
}

/// `--refine guided`.
struct GuidedFlags: SettingsFlags {
    typealias Settings = GuidedFilterRefiner

    @Option(name: .customLong("guided-radius"), help: ArgumentHelp("Window radius in pixels; 1–256. (default: 8)", visibility: .hidden))
    var radius: Int?

    @Option(
        name: .customLong("guided-epsilon"), help: ArgumentHelp("Regularization, image values in 0…1. (default: 0.01)", visibility: .hidden)
    )
    var epsilon: Float?

    @Option(
        name: .customLong("guided-upsampling"),
        help: ArgumentHelp("Upsampling before filtering, nearest or bilinear. (default: bilinear)", visibility: .hidden))
    var upsampling: Upsampling?
}

/// `--refine jbu`.
struct JBUFlags: SettingsFlags {
    typealias Settings = JointBilateralRefiner

    @Option(
        name: .customLong("jbu-spatial-sigma"),
        help: ArgumentHelp("Spatial standard deviation in cells. (default: 0.5)", visibility: .hidden))
    var spatialSigma: Float?

    @Option(
        name: .customLong("jbu-color-sigma"),
        help: ArgumentHelp("Color standard deviation in RGB units. (default: 20)", visibility: .hidden))
    var colorSigma: Float?

    @Option(
        name: .customLong("jbu-reach"),
        help: ArgumentHelp("Cells on each side that vote for a pixel; 1–16. (default: 2)", visibility: .hidden))
    var reach: Int?
}

/// `--refine mode`.
struct ModeFlags: SettingsFlags {
    typealias Settings = ModeFilterRefiner

    @Option(name: .customLong("mode-radius"), help: ArgumentHelp("Window radius in pixels; 1–256. (default: 7)", visibility: .hidden))
    var radius: Int?
}
