import ArgumentParser
import Text4SegModels

/// The embedded engine's tuning knobs (hidden; `--help-hidden` lists them).
struct EmbeddedOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Input size: the image is stretched to N×N, N/32 cells a side; 32–2048. (default: 320)", visibility: .hidden))
    var inputSize: Int?

    @Option(help: ArgumentHelp("ImageNet classes that vote per cell; 1–1000. (default: 10)", visibility: .hidden))
    var topK: Int?

    @Option(
        help: ArgumentHelp("Keep classes whose whole-image score is at least this share of the best. (default: 0.7)", visibility: .hidden))
    var gate: Float?

    @Option(help: ArgumentHelp("Cells whose best score is below this become others. (default: 0.08)", visibility: .hidden))
    var backgroundThreshold: Float?

    @Option(help: ArgumentHelp("A cell keeps a class only above this share of the class's peak; 0: off. (default: 0)", visibility: .hidden))
    var relativeThreshold: Float?

    @Flag(
        help: ArgumentHelp(
            "Normalise each cell's votes by its top-k probability mass (off: unsure cells vote quietly).", visibility: .hidden))
    var normalizeMass = false

    @Option(
        help: ArgumentHelp("How sharply each ImageNet class goes to its closest vocabulary class. (default: 0.03)", visibility: .hidden))
    var similarityTemperature: Float?

    func validate() throws {
        if let inputSize { try checkRange(inputSize, 32...2048, "--input-size") }
        if let topK { try checkRange(topK, 1...1000, "--top-k") }
        if let similarityTemperature { try checkRange(similarityTemperature, Float.leastNormalMagnitude...1e6, "--similarity-temperature") }
        for (value, option) in [
            (gate, "--gate"), (backgroundThreshold, "--background-threshold"), (relativeThreshold, "--relative-threshold"),
        ] {
            if let value { try checkRange(value, 0...1e6, option) }
        }
    }

    var settings: EmbeddedEngine.Settings {
        var s = EmbeddedEngine.Settings()
        if let inputSize { s.inputSize = inputSize }
        if let topK { s.topK = topK }
        if let gate { s.gate = gate }
        if let backgroundThreshold { s.backgroundThreshold = backgroundThreshold }
        if let similarityTemperature { s.temperature = similarityTemperature }
        if let relativeThreshold { s.relativeThreshold = relativeThreshold }
        if normalizeMass { s.normalizeMass = true }
        return s
    }
}
