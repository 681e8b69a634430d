import ArgumentParser
import Text4SegCore

/// `--refine` and each refiner's knobs (the knobs are hidden; `--help-hidden` lists them).
struct RefinementOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "auto (watershed on patch labels, crf on the embedded engine's scores), "
                + "nearest (Text4Seg's reference upsampling), watershed, crf, guided, jbu, bilinear or mode. (default: auto)"))
    var refine: RefinerKind?

    @Option(
        help: ArgumentHelp(
            "Refine larger images at a reduced size and upsample the labels, bounding time and memory; "
                + "at least 4096. (default: \(Limits.defaultMaxRefinePixels))"))
    var maxRefinePixels: Int?

    @Option(help: ArgumentHelp("guided, mode: window radius in pixels; 1–256. (default: 8 guided, 7 mode)", visibility: .hidden))
    var radius: Int?

    @Option(help: ArgumentHelp("guided: regularisation, image values in 0…1. (default: 0.01)", visibility: .hidden))
    var eps: Float?

    @Option(
        help: ArgumentHelp(
            "guided, crf: upsampling before smoothing, nearest or bilinear. (default: bilinear guided, nearest crf)", visibility: .hidden))
    var upsample: Upsampling?

    @Option(help: ArgumentHelp("jbu: spatial standard deviation in cells. (default: 0.5)", visibility: .hidden))
    var sigmaSpace: Float?

    @Option(help: ArgumentHelp("jbu: colour standard deviation in RGB units. (default: 20)", visibility: .hidden))
    var sigmaColor: Float?

    @Option(help: ArgumentHelp("crf: mean-field iterations; 1–100. (default: 5)", visibility: .hidden))
    var crfIterations: Int?

    @Option(
        help: ArgumentHelp(
            "crf: bilateral kernel position scale in pixels. (default: 50 on engine scores, 15 on patch labels)", visibility: .hidden))
    var crfSXY: Float?

    @Option(
        help: ArgumentHelp("crf: bilateral kernel colour scale. (default: 13 on engine scores, 5 on patch labels)", visibility: .hidden))
    var crfSRGB: Float?

    @Option(help: ArgumentHelp("crf: bilateral kernel weight. (default: 10)", visibility: .hidden))
    var crfCompat: Float?

    @Option(
        help: ArgumentHelp(
            "crf: confidence of upsampled labels in the unary; 0.01–0.99. (default: 0.6 on patch labels)", visibility: .hidden))
    var crfGtProb: Float?

    @Option(
        help: ArgumentHelp("watershed: band around label changes that the image re-decides, in cells. (default: 0.34)", visibility: .hidden)
    )
    var wsMargin: Float?

    @Option(help: ArgumentHelp("watershed: the same band for others, in cells. (default: 1.6)", visibility: .hidden))
    var wsOthersMargin: Float?

    @Option(help: ArgumentHelp("watershed: Gaussian smoothing of the image, in pixels. (default: 1.5)", visibility: .hidden))
    var wsSigma: Float?

    @Option(
        help: ArgumentHelp(
            "watershed: weight of the colour distance to the flood's start, against the gradient. (default: 0.3)", visibility: .hidden))
    var wsColourWeight: Float?

    @Option(help: ArgumentHelp("watershed: weight of L* against a* and b*. (default: 0.5)", visibility: .hidden))
    var wsLightness: Float?

    func validate() throws {
        if let maxRefinePixels { try checkRange(maxRefinePixels, 4_096...Int(UInt32.max), "--max-refine-pixels") }
        if let radius { try checkRange(radius, 1...256, "--radius") }
        if let crfIterations { try checkRange(crfIterations, 1...100, "--crf-iterations") }
        for (value, option) in [
            (eps, "--eps"), (sigmaSpace, "--sigma-space"), (sigmaColor, "--sigma-color"), (crfSXY, "--crf-sxy"),
            (crfSRGB, "--crf-srgb"), (wsSigma, "--ws-sigma"),
        ] {
            if let value { try checkRange(value, Float.leastNormalMagnitude...1e6, option) }
        }
        for (value, option) in [
            (crfCompat, "--crf-compat"), (wsMargin, "--ws-margin"), (wsOthersMargin, "--ws-others-margin"),
            (wsColourWeight, "--ws-colour-weight"), (wsLightness, "--ws-lightness"),
        ] {
            if let value { try checkRange(value, 0...1e6, option) }
        }
        if let crfGtProb { try checkRange(crfGtProb, 0.01...0.99, "--crf-gt-prob") }
    }

    /// The refiner for this engine: flags over `refine_options` in the config over the defaults.
    func refiner(_ kind: RefinerKind, engine: EngineKind, options: RefineOptions) -> any Refiner {
        let radius = self.radius ?? options.radius, eps = self.eps ?? options.eps, upsample = self.upsample ?? options.upsample
        switch kind {
        case .auto:
            // The best measured setting for the engine's output (README, "Refinement"): the CRF with the
            // literature's settings on the embedded engine's scores, the seeded watershed on patch labels.
            return refiner(engine == .embedded ? .crf : .watershed, engine: engine, options: options)
        case .nearest: return NearestRefiner()
        case .bilinear: return BilinearRefiner()
        case .mode: return ModeFilterRefiner(radius: radius ?? 7)
        case .guided:
            return GuidedFilterRefiner(radius: radius ?? 8, epsilon: eps ?? 0.01, upsampling: upsample ?? .bilinear)
        case .jbu:
            return JointBilateralRefiner(
                spatialSigma: sigmaSpace ?? options.sigmaSpace ?? 0.5, colorSigma: sigmaColor ?? options.sigmaColor ?? 20)
        case .crf:
            let base = engine == .embedded ? DenseCRFRefiner() : DenseCRFRefiner.forPatchLabels
            return DenseCRFRefiner(
                iterations: crfIterations ?? options.crfIterations ?? base.iterations,
                bilateralSXY: crfSXY ?? options.crfSXY ?? base.bilateralSXY,
                bilateralSRGB: crfSRGB ?? options.crfSRGB ?? base.bilateralSRGB,
                bilateralCompat: crfCompat ?? options.crfCompat ?? base.bilateralCompat,
                groundTruthProbability: crfGtProb ?? options.crfGtProb ?? base.groundTruthProbability,
                upsampling: upsample ?? .nearest)
        case .watershed:
            let base = WatershedRefiner()
            return WatershedRefiner(
                margin: wsMargin ?? options.margin ?? base.margin,
                othersMargin: wsOthersMargin ?? options.othersMargin ?? base.othersMargin,
                sigma: wsSigma ?? options.sigma ?? base.sigma,
                colourWeight: wsColourWeight ?? options.colourWeight ?? base.colourWeight,
                lightnessWeight: wsLightness ?? options.lightness ?? base.lightnessWeight)
        }
    }
}
