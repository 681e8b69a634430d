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
    @OptionGroup(title: "Engine") var configOption: ConfigOption
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

    /// The config file named by `--config`, or an empty one.
    func configFile() throws -> ConfigFile { try configOption.config.map(ConfigFile.load) ?? ConfigFile() }

    /// The pipeline settings in force: defaults, then the config file's keys, then the flags, every range checked once.
    func pipelineSettings(_ file: ConfigFile) throws -> PipelineSettings {
        try refinement.overlay(engineOptions.overlay(file.overlay(PipelineSettings.defaults)))
    }

    /// The settings in force. `defaultVocabulary` is what the dataset's layout uses, when it says.
    func resolved(_ file: ConfigFile, defaultVocabulary: String? = nil) throws -> ResolvedPipeline {
        let settings = try pipelineSettings(file)
        let limitSettings = try limits.overlay(file.overlay(LimitSettings.defaults))
        let serverSettings = try server.overlay(file.overlay(ServerSettings.defaults))
        let (vocabularySource, vocabulary, prompt) = try Self.question(settings, defaultVocabulary: defaultVocabulary)
        let installedCLIP = ModelStore().defaultCLIPCheckpoint
        let engine = settings.engine ?? (settings.modelDir != nil || installedCLIP != nil ? .clip : .embedded)
        if settings.engine == nil && engine == .clip {
            warn(
                "engine: clip, the CLIP checkpoint at \(settings.modelDir ?? installedCLIP ?? "") (pass --engine embedded for the embedded engine)"
            )
        }
        let refiner = try refiner(settings.refine, engine: engine, config: file)
        return ResolvedPipeline(
            vocabulary: vocabulary, prompt: prompt, refiner: refiner,
            engine: engine, sampling: settings.sampling, replayFolder: settings.replay, strict: settings.strict,
            openAI: OpenAISettings(serverSettings, connections: limitSettings.concurrency ?? 8), concurrency: limitSettings.concurrency,
            embedded: try embedded.overlay(file.overlay(EmbeddedEngine.Settings())),
            clip: try clip.overlay(file.overlay(CLIPEngine.Settings())), modelDir: settings.modelDir ?? installedCLIP,
            maxPixels: limitSettings.maxPixels, maxRefinePixels: limitSettings.maxRefinePixels,
            vocabularySource: vocabularySource, vocabularyGiven: settings.vocab != nil || settings.classes != nil,
            configPath: configOption.config, templateSeed: settings.templateSeed.map(UInt64.init))
    }

    /// The vocabulary (and what named it) and the question that `settings` ask.
    static func question(
        _ settings: PipelineSettings, defaultVocabulary: String? = nil
    ) throws -> (
        source: String, vocabulary: Vocabulary, prompt: Prompt
    ) {
        let source = try settings.vocabularySource() ?? defaultVocabulary ?? "pascal-voc"
        let vocabulary = try Vocabulary.load(source)
        let builder = PromptBuilder(
            vocabulary: vocabulary, templateSeed: settings.templateSeed.map(UInt64.init), viewSize: settings.view, grid: settings.grid)
        return (source, vocabulary, builder.build(.condition))
    }

    /// The refiner for this engine, its settings from the defaults, then the config's section, then the flags.
    func refiner(_ kind: RefinerKind, engine: EngineKind, config: ConfigFile) throws -> any Refiner {
        switch kind {
        case .auto:
            // The best measured setting for the engine's output (README, "Refinement"): the CRF with the
            // literature's settings on the embedded engine's scores, the seeded watershed on patch labels.
            // The clip engine's own per-pixel decision: its method's official pipeline.
            if engine == .clip { return EngineLabelsRefiner() }
            return try refiner(engine == .embedded ? .crf : .watershed, engine: engine, config: config)
        case .nearest: return NearestRefiner()
        case .bilinear: return BilinearRefiner()
        case .method:
            guard engine == .clip else {
                throw ValidationError("--refine method takes the engine's own full-resolution labels; only --engine clip gives them")
            }
            return EngineLabelsRefiner()
        case .pamr: return PAMRRefiner()
        case .mode: return try mode.overlay(config.overlay(ModeFilterRefiner()))
        case .guided: return try guided.overlay(config.overlay(GuidedFilterRefiner()))
        case .jbu: return try jbu.overlay(config.overlay(JointBilateralRefiner()))
        case .crf: return try crf.overlay(config.overlay(engine == .embedded || engine == .clip ? DenseCRFRefiner() : .forPatchLabels))
        case .watershed: return try watershed.overlay(config.overlay(WatershedRefiner()))
        }
    }
}
