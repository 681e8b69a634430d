import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegModels

/// Options shared by `label` and `eval`, in titled groups. Precedence: built-in defaults <
/// `--config` YAML < environment (the API key only) < flags. Tuning knobs few people touch
/// are hidden from `--help` and listed by `--help-hidden` (and in the README).
struct PipelineOptions: ParsableArguments {
    @OptionGroup(title: "Engine") var engineOptions: EngineOptions
    @OptionGroup(title: "Refinement") var refinement: RefinementOptions
    @OptionGroup(title: "Watershed (--refine watershed)") var watershed: WatershedFlags
    @OptionGroup(title: "CRF (--refine crf)") var crf: CRFFlags
    @OptionGroup(title: "Guided filter (--refine guided)") var guided: GuidedFlags
    @OptionGroup(title: "Joint bilateral upsampling (--refine jbu)") var jbu: JBUFlags
    @OptionGroup(title: "Mode filter (--refine mode)") var mode: ModeFlags
    @OptionGroup(title: "Server (--engine openai)") var server: ServerOptions
    @OptionGroup(title: "Embedded engine (--engine embedded)") var embedded: EmbeddedFlags
    @OptionGroup(title: "CLIP engine (--engine clip)") var clip: CLIPFlags
    @OptionGroup(title: "Limits") var limits: LimitOptions

    func validate() throws {
        try engineOptions.validate()
        try refinement.validate()
        try server.validate()
        try embedded.validate()
        try clip.validate()
        try limits.validate()
    }

    /// The config file named by `--config`, or an empty one.
    func configFile() throws -> ConfigFile { try engineOptions.config.map(ConfigFile.load) ?? ConfigFile() }

    /// The settings in force. `defaultVocabulary` is what the dataset's layout uses, when it says.
    func resolved(defaultVocabulary: String? = nil) throws -> ResolvedPipeline {
        let e = engineOptions
        let file = try configFile()
        let vocabularySource = e.vocab ?? file.vocab ?? defaultVocabulary ?? "pascal-voc"
        let vocabulary = try Vocabulary.load(vocabularySource)
        let grid = e.grid ?? file.grid ?? 24
        let view = e.view ?? file.view ?? 336
        guard Limits.grid.contains(grid) else {
            throw ConfigError("grid must be between \(Limits.grid.lowerBound) and \(Limits.grid.upperBound) (got \(grid))")
        }
        guard Limits.view.contains(view) else {
            throw ConfigError("view must be between \(Limits.view.lowerBound) and \(Limits.view.upperBound) (got \(view))")
        }
        let modelDir = e.modelDir ?? file.modelDir
        let installedCLIP = ModelStore().defaultCLIPCheckpoint
        let engine = e.engine ?? file.engine ?? (modelDir != nil || installedCLIP != nil ? .clip : .embedded)
        if e.engine == nil && file.engine == nil && engine == .clip {
            FileHandle.standardError.write(
                Data(
                    "engine: clip, the CLIP checkpoint at \(modelDir ?? installedCLIP ?? "") (pass --engine embedded for the embedded engine)\n"
                        .utf8))
        }
        let refiner = try refiner(refinement.refine ?? file.refine ?? .auto, engine: engine, config: file)
        let builder = PromptBuilder(vocabulary: vocabulary, templateSeed: e.templateSeed ?? file.templateSeed, viewSize: view, grid: grid)
        return ResolvedPipeline(
            vocabulary: vocabulary, prompt: builder.build(.condition), refiner: refiner,
            engine: engine, sampling: e.sampling ?? file.sampling ?? .nearest,
            replayFolder: e.replayFolder ?? file.replay, strict: e.strict || (file.strict ?? false),
            openAI: try server.settings(file), concurrency: server.concurrency ?? file.concurrency,
            embedded: try embedded.overlay(file.overlay(EmbeddedEngine.Settings())),
            clip: try clip.overlay(file.overlay(CLIPEngine.Settings())), modelDir: modelDir ?? installedCLIP,
            maxPixels: limits.maxPixels ?? file.maxPixels ?? Limits.defaultMaxPixels,
            maxRefinePixels: refinement.maxRefinePixels ?? file.maxRefinePixels ?? Limits.defaultMaxRefinePixels,
            vocabularySource: vocabularySource)
    }

    /// The refiner for this engine, its settings from the defaults, then the config's section, then the flags.
    func refiner(_ kind: RefinerKind, engine: EngineKind, config: ConfigFile) throws -> any Refiner {
        switch kind {
        case .auto:
            // The best measured setting for the engine's output (README, "Refinement"): the CRF with the
            // literature's settings on the embedded engine's scores, the seeded watershed on patch labels.
            // CLIP's dense methods upsample their scores bilinearly and take the argmax, as their code does.
            if engine == .clip { return BilinearRefiner() }
            return try refiner(engine == .embedded ? .crf : .watershed, engine: engine, config: config)
        case .nearest: return NearestRefiner()
        case .bilinear: return BilinearRefiner()
        case .mode: return try mode.overlay(config.overlay(ModeFilterRefiner()))
        case .guided: return try guided.overlay(config.overlay(GuidedFilterRefiner()))
        case .jbu: return try jbu.overlay(config.overlay(JointBilateralRefiner()))
        case .crf: return try crf.overlay(config.overlay(engine == .embedded || engine == .clip ? DenseCRFRefiner() : .forPatchLabels))
        case .watershed: return try watershed.overlay(config.overlay(WatershedRefiner()))
        }
    }
}
