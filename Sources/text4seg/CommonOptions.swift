import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegModels

/// Options shared by `label` and `eval`. Precedence: built-in defaults < `--config` YAML < environment (the API key only) < flags.
struct PipelineOptions: ParsableArguments {
    @Option(help: "Vocabulary: a built-in name (pascal-voc, pascal-context-59, coco-stuff-171, ade20k-150) or a YAML path.")
    var vocab: String = "pascal-voc"

    @Option(help: "Config YAML (see Configs/); flags override it.")
    var config: String?

    @Option(help: "Engine: embedded (default: offline, CPU), openai (a Text4Seg server), oracle (from ground truth) or replay (recorded answers).")
    var engine: String?

    @Option(help: "Descriptor grid size G (G×G patches): 16, 24 or 32 for Text4Seg checkpoints (\(Limits.grid.lowerBound)–\(Limits.grid.upperBound); default 24).")
    var grid: Int?

    @Option(help: "Engine view size: the image is stretched to N×N (\(Limits.view.lowerBound)–\(Limits.view.upperBound); default 336).")
    var view: Int?

    @Option(help: "Images declaring more pixels fail their item before they are decoded (default \(Limits.defaultMaxPixels)).")
    var maxPixels: Int?

    @Option(help: "Refine larger images at a reduced size and upsample the labels, bounding time and memory (default \(Limits.defaultMaxRefinePixels)).")
    var maxRefinePixels: Int?

    @Option(help: "Oracle grid rule: nearest (Text4Seg's targets) or majority.")
    var sampling: GridSampling?

    @Option(help: "Refinement: auto (default: watershed on patch labels, crf on the embedded engine's scores), nearest (Text4Seg's reference upsampling), watershed, crf, guided, jbu, bilinear, mode.")
    var refine: String?

    @Option(help: "Draw the question template with this seed instead of using the first one.")
    var templateSeed: UInt64?

    @Option(help: "Window radius in pixels for guided and mode.")
    var radius: Int?

    @Option(help: "Guided filter regularisation (image values in 0…1).")
    var eps: Float?

    @Option(help: "Upsampling before smoothing: nearest or bilinear.")
    var upsample: Upsampling?

    @Option(help: "jbu: spatial standard deviation in cells (0.5).")
    var sigmaSpace: Float?

    @Option(help: "jbu: colour standard deviation in RGB units (20).")
    var sigmaColor: Float?

    @Option(help: "crf: mean-field iterations (5).")
    var crfIterations: Int?

    @Option(help: "crf: bilateral kernel position scale in pixels (50 on engine scores, 15 on patch labels).")
    var crfSXY: Float?

    @Option(help: "crf: bilateral kernel colour scale (13 on engine scores, 5 on patch labels).")
    var crfSRGB: Float?

    @Option(help: "crf: bilateral kernel weight (10).")
    var crfCompat: Float?

    @Option(help: "crf: confidence of the upsampled labels in the unary (0.6 for patch labels; 0.9 in pydensecrf's examples).")
    var crfGtProb: Float?

    @Option(help: "watershed: band around label changes that the image re-decides, in cells (0.34).")
    var wsMargin: Float?

    @Option(help: "watershed: the same band for others, in cells (1.6).")
    var wsOthersMargin: Float?

    @Option(help: "watershed: Gaussian smoothing of the image, in pixels (1.5).")
    var wsSigma: Float?

    @Option(help: "watershed: weight of the colour distance to the flood's start, against the gradient (0.3).")
    var wsColourWeight: Float?

    @Option(help: "watershed: weight of L* against a* and b* (0.5).")
    var wsLightness: Float?

    @Option(name: .customLong("replay"), help: "Folder of recorded answers <id>.txt, for --engine replay.")
    var replayFolder: String?

    @Flag(help: "Treat any descriptor repair as an error for that image.")
    var strict = false

    @OptionGroup(title: "Server (--engine openai)") var server: ServerOptions

    @Option(help: "embedded: input size (the image is stretched to N×N; N/32 cells a side).")
    var inputSize: Int?

    @Option(help: "embedded: ImageNet classes that vote per cell.")
    var topK: Int?

    @Option(help: "embedded: keep classes whose whole-image score is at least this share of the best.")
    var gate: Float?

    @Option(help: "embedded: cells whose best score is below this become others.")
    var backgroundThreshold: Float?

    @Option(help: "embedded: a cell keeps a class only above this share of the class's peak (0: off).")
    var relativeThreshold: Float?

    @Flag(help: "embedded: normalise each cell's votes by its top-k probability mass (off: unsure cells vote quietly).")
    var normalizeMass = false

    @Option(help: "embedded: how sharply each ImageNet class is assigned to its closest vocabulary class.")
    var similarityTemperature: Float?

    func validate() throws {
        if let grid { try checkRange(grid, Limits.grid, "--grid") }
        if let view { try checkRange(view, Limits.view, "--view") }
        if let maxPixels { try checkRange(maxPixels, 1...Int(UInt32.max) * 16, "--max-pixels") }
        if let maxRefinePixels { try checkRange(maxRefinePixels, 4_096...Int(UInt32.max), "--max-refine-pixels") }
        if let radius { try checkRange(radius, 1...256, "--radius") }
        if let crfIterations { try checkRange(crfIterations, 1...100, "--crf-iterations") }
        if let inputSize { try checkRange(inputSize, 32...2048, "--input-size") }
        if let topK { try checkRange(topK, 1...1000, "--top-k") }
        for (value, option) in [(eps, "--eps"), (sigmaSpace, "--sigma-space"), (sigmaColor, "--sigma-color"), (crfSXY, "--crf-sxy"),
                                (crfSRGB, "--crf-srgb"), (wsSigma, "--ws-sigma"), (similarityTemperature, "--similarity-temperature")] {
            if let value { try checkRange(value, Float.leastNormalMagnitude...1e6, option) }
        }
        for (value, option) in [(crfCompat, "--crf-compat"), (wsMargin, "--ws-margin"), (wsOthersMargin, "--ws-others-margin"),
                                (wsColourWeight, "--ws-colour-weight"), (wsLightness, "--ws-lightness"), (gate, "--gate"),
                                (backgroundThreshold, "--background-threshold"), (relativeThreshold, "--relative-threshold")] {
            if let value { try checkRange(value, 0...1e6, option) }
        }
        if let crfGtProb { try checkRange(crfGtProb, 0.01...0.99, "--crf-gt-prob") }
        try server.validate()
    }

    func embeddedSettings() -> EmbeddedEngine.Settings {
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

    func resolved() throws -> ResolvedPipeline {
        let file = try config.map(ConfigFile.load) ?? ConfigFile()
        let vocabulary = try Vocabulary.load(vocab)
        let grid = self.grid ?? file.grid ?? 24
        let view = self.view ?? file.view ?? 336
        guard Limits.grid.contains(grid) else { throw ConfigError("grid must be between \(Limits.grid.lowerBound) and \(Limits.grid.upperBound) (got \(grid))") }
        guard Limits.view.contains(view) else { throw ConfigError("view must be between \(Limits.view.lowerBound) and \(Limits.view.upperBound) (got \(view))") }
        let engineName = engine ?? file.engine ?? "embedded"
        var refineName = refine ?? file.refine ?? "auto"
        if refineName == "auto" {
            // The best measured setting for the engine's output (README, "Refinement"): the CRF
            // with the literature's settings on the embedded engine's scores, the seeded
            // watershed on patch labels.
            refineName = engineName == "embedded" ? "crf" : "watershed"
        }
        let options = file.refineOptions ?? RefineOptions()
        let radius = self.radius ?? options.radius, eps = self.eps ?? options.eps, upsample = self.upsample ?? options.upsample
        let crfBase = engineName == "embedded" ? DenseCRFRefiner() : DenseCRFRefiner.forPatchLabels
        let watershedBase = WatershedRefiner()
        let refiner: any Refiner
        switch refineName {
        case "nearest": refiner = NearestRefiner(viewSize: view)
        case "bilinear": refiner = BilinearRefiner()
        case "mode": refiner = ModeFilterRefiner(radius: radius ?? 7, viewSize: view)
        case "guided": refiner = GuidedFilterRefiner(radius: radius ?? 8, epsilon: eps ?? 0.01, upsampling: upsample ?? .bilinear, viewSize: view)
        case "jbu": refiner = JointBilateralRefiner(spatialSigma: sigmaSpace ?? options.sigmaSpace ?? 0.5, colorSigma: sigmaColor ?? options.sigmaColor ?? 20)
        case "crf":
            refiner = DenseCRFRefiner(iterations: crfIterations ?? options.crfIterations ?? crfBase.iterations,
                                      bilateralSXY: crfSXY ?? options.crfSXY ?? crfBase.bilateralSXY,
                                      bilateralSRGB: crfSRGB ?? options.crfSRGB ?? crfBase.bilateralSRGB,
                                      bilateralCompat: crfCompat ?? options.crfCompat ?? crfBase.bilateralCompat,
                                      groundTruthProbability: crfGtProb ?? options.crfGtProb ?? crfBase.groundTruthProbability,
                                      upsampling: upsample ?? .nearest, viewSize: view)
        case "watershed":
            refiner = WatershedRefiner(margin: wsMargin ?? options.margin ?? watershedBase.margin,
                                       othersMargin: wsOthersMargin ?? options.othersMargin ?? watershedBase.othersMargin,
                                       others: UInt16(clamping: vocabulary.othersValue),
                                       sigma: wsSigma ?? options.sigma ?? watershedBase.sigma,
                                       colourWeight: wsColourWeight ?? options.colourWeight ?? watershedBase.colourWeight,
                                       lightnessWeight: wsLightness ?? options.lightness ?? watershedBase.lightnessWeight, viewSize: view)
        default: throw ValidationError("unknown refiner '\(refineName)'; available: auto, nearest, watershed, crf, guided, jbu, bilinear, mode")
        }
        let builder = PromptBuilder(vocabulary: vocabulary, templateSeed: templateSeed ?? file.templateSeed, viewSize: view, grid: grid)
        return ResolvedPipeline(
            vocabulary: vocabulary, prompt: builder.build(.condition), refiner: refiner,
            engineName: engineName, sampling: sampling ?? file.sampling ?? .nearest,
            replayFolder: replayFolder ?? file.replay, strict: strict || (file.strict ?? false),
            openAI: try server.settings(file), concurrency: server.concurrency ?? file.concurrency, embedded: embeddedSettings(),
            maxPixels: maxPixels ?? Limits.defaultMaxPixels, maxRefinePixels: maxRefinePixels ?? Limits.defaultMaxRefinePixels)
    }
}

/// Flags for the OpenAI-compatible engine.
struct ServerOptions: ParsableArguments {
    @Option(help: "API root of the server, e.g. http://127.0.0.1:8000/v1.")
    var baseURL: String?

    @Option(help: "Model name as the server knows it.")
    var model: String?

    @Option(help: "Items in flight at once, 1–1024 (default: the number of CPU cores for offline engines, 8 for openai).")
    var concurrency: Int?

    @Option(help: "max_tokens of each request (default 3069).")
    var maxTokens: Int?

    @Option(help: "Sampling temperature (default 0, greedy).")
    var temperature: Double?

    @Option(help: "Stop sequence (repeatable).")
    var stop: [String] = []

    @Option(help: "Seed sent with each request.")
    var seed: Int?

    @Option(help: "How the view is sent: png (default) or jpeg.")
    var imageFormat: String?

    @Option(help: "JPEG quality, with --image-format jpeg (default 95).")
    var jpegQuality: Int?

    @Option(help: "Seconds one request may take, the whole answer included (default 600).")
    var timeout: Double?

    @Option(help: "Seconds to connect (default 10).")
    var connectTimeout: Double?

    @Option(help: "Retries after connection errors and 408/429/5xx, 0–100 (default 6).")
    var retries: Int?

    @Option(help: "Keep each raw answer here (<id>.txt for --engine replay, <id>.json as received).")
    var saveResponses: String?

    func validate() throws {
        if let concurrency { try checkRange(concurrency, 1...1024, "--concurrency") }
        if let maxTokens { try checkRange(maxTokens, 1...1_000_000, "--max-tokens") }
        if let temperature { try checkRange(temperature, 0...100, "--temperature") }
        if let timeout { try checkRange(timeout, 0.001...86_400, "--timeout") }
        if let connectTimeout { try checkRange(connectTimeout, 0.001...3_600, "--connect-timeout") }
        if let retries { try checkRange(retries, 0...100, "--retries") }
        if let jpegQuality { try checkRange(jpegQuality, 1...100, "--jpeg-quality") }
    }

    func settings(_ file: ConfigFile) throws -> OpenAISettings {
        var s = OpenAISettings()
        s.baseURL = baseURL ?? file.baseURL ?? s.baseURL
        s.model = model ?? file.model ?? s.model
        s.maxTokens = maxTokens ?? file.maxTokens ?? s.maxTokens
        s.temperature = temperature ?? file.temperature ?? s.temperature
        s.stop = stop.isEmpty ? file.stop : stop
        s.seed = seed ?? file.seed
        if let format = imageFormat ?? file.imageFormat {
            guard let parsed = OpenAISettings.ImageFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--image-format must be png or jpeg")
            }
            s.imageFormat = parsed
        }
        s.jpegQuality = jpegQuality ?? file.jpegQuality ?? s.jpegQuality
        s.requestTimeout = timeout ?? file.timeout ?? s.requestTimeout
        s.connectTimeout = connectTimeout ?? file.connectTimeout ?? s.connectTimeout
        s.retry.maximumRetries = retries ?? file.retries ?? s.retry.maximumRetries
        s.saveResponses = saveResponses
        s.connections = concurrency ?? file.concurrency ?? 8
        guard s.maxTokens > 0, s.requestTimeout > 0, s.connectTimeout > 0, (0...100).contains(s.retry.maximumRetries), (1...100).contains(s.jpegQuality),
              (1...1024).contains(s.connections) else {
            throw ConfigError("max_tokens, timeout and connect_timeout must be positive, retries 0–100, jpeg_quality 1–100, concurrency 1–1024")
        }
        return s
    }
}

struct ResolvedPipeline {
    var vocabulary: Vocabulary
    var prompt: Prompt
    var refiner: any Refiner
    var engineName: String
    var sampling: GridSampling
    var replayFolder: String?
    var strict: Bool
    var openAI: OpenAISettings
    var concurrency: Int?
    var embedded: EmbeddedEngine.Settings
    var maxPixels: Int
    var maxRefinePixels: Int

    /// Items in flight: the flag or config, else 8 for a server, else the cores.
    var jobs: Int {
        max(1, concurrency ?? (engineName == "openai" ? 8 : ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Every engine `--engine` can name.
    static let engines = ["embedded", "openai", "oracle", "replay"]

    func segmenter(groundTruth: String?) throws -> Segmenter {
        let engine: any Engine
        switch engineName {
        case "embedded":
            engine = try EmbeddedEngine(store: ModelStore(), settings: embedded)
        case "openai":
            engine = try OpenAIEngine(settings: openAI)
        case "oracle":
            engine = OracleEngine(sampling: sampling, labelsFolder: groundTruth)
        case "replay":
            guard let replayFolder else {
                throw EngineError.missingInput(engine: engineName, item: "-", reason: "pass --replay DIR, a folder of <id>.txt answers")
            }
            engine = ReplayEngine(folder: replayFolder)
        default:
            throw EngineError.unknownEngine(engineName, available: ResolvedPipeline.engines)
        }
        var segmenter = Segmenter(engine: engine, vocabulary: vocabulary, prompt: prompt, refiner: refiner, strict: strict)
        segmenter.maxRefinePixels = maxRefinePixels
        return segmenter
    }

    /// Every effective setting that decides the results (see ``RunFingerprint``); `--resume` compares them.
    func fingerprint(dataset: String, split: String) -> RunFingerprint {
        var f = RunFingerprint()
        f["dataset"] = URL(fileURLWithPath: dataset).standardizedFileURL.path
        f["split"] = split
        f["vocabulary"] = vocabulary.name
        f["vocabulary.hash"] = vocabulary.contentHash
        f["engine"] = engineName
        f["grid"] = "\(prompt.grid)"
        f["view"] = "\(prompt.viewSize)"
        f["question.hash"] = RunFingerprint.hash(prompt.question)
        f["strict"] = "\(strict)"
        f["refine"] = refiner.name
        f.add(prefix: "refine", refiner)
        f["refine.max_pixels"] = "\(maxRefinePixels)"
        switch engineName {
        case "openai":
            f["openai.base_url"] = openAI.baseURL
            f["openai.model"] = openAI.model
            f["openai.max_tokens"] = "\(openAI.maxTokens)"
            f["openai.temperature"] = "\(openAI.temperature)"
            f["openai.stop"] = openAI.stop?.joined(separator: "\u{1F}") ?? "none"
            f["openai.seed"] = openAI.seed.map { "\($0)" } ?? "none"
            f["openai.image_format"] = openAI.imageFormat.rawValue
            f["openai.jpeg_quality"] = "\(openAI.jpegQuality)"
        case "embedded": f.add(prefix: "embedded", embedded)
        case "oracle": f["oracle.sampling"] = sampling.rawValue
        case "replay": f["replay.folder"] = replayFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "none"
        default: break
        }
        return f
    }
}

extension GridSampling: ExpressibleByArgument {}
extension Upsampling: ExpressibleByArgument {}
extension EvaluationProtocol: ExpressibleByArgument {}
extension DescriptorFormat: ExpressibleByArgument {}

/// Writes to standard error.
func warn(_ text: String) {
    FileHandle.standardError.write(Data((Redaction.redact(text) + "\n").utf8))
}

/// The exit statuses of `label`, `eval` and the other commands (README, "Exit status").
enum ExitStatus {
    /// Every item was done.
    static let success: Int32 = 0
    /// Some items failed; the others were written.
    static let someFailed: Int32 = 1
    /// Nothing could run: bad vocabulary, no dataset, an empty dataset, configuration errors.
    static let nothingRan: Int32 = 2
    /// A bad command line (ArgumentParser's `ValidationError`).
    static let usage: Int32 = 64
    /// Interrupted by Ctrl-C or SIGTERM; `--resume` finishes the rest.
    static let interrupted: Int32 = 130
}
