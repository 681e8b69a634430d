import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports
import Text4SegServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve segmentation over HTTP: a JSON API, a Label Studio ML backend and a web page.",
        discussion: """
            The engine is loaded once. Requests may choose the vocabulary (a built-in one) or a class list, \
            the refiner and the grid; the rest is as given here. SIGTERM or SIGINT stops taking connections \
            and finishes the requests in flight. Endpoints: POST /v1/segment, GET /v1/vocabularies, GET /health, \
            GET /metrics, GET /openapi.json, the page at /, and Label Studio's /setup, /predict and /webhook.

            EXAMPLES:
              # serve the embedded engine on 127.0.0.1:8089, then segment a photo
              text4seg serve
              curl -F image=@photo.jpg -F classes="person, dog" http://127.0.0.1:8089/v1/segment

              # on every interface, with a token
              TEXT4SEG_SERVE_TOKEN=s3cret text4seg serve --host 0.0.0.0 --port 9000
            """)

    @OptionGroup(title: "Server") var serve: ServeFlags

    @Option(help: ArgumentHelp("TrueType font of the overlays' legends. (default: \(Font.defaultPath))", visibility: .hidden))
    var font: String = Font.defaultPath

    @OptionGroup var pipeline: PipelineOptions

    func run() async throws {
        let file = try pipeline.configFile()
        let settings = try serve.overlay(Self.fromEnvironment(try file.overlay(ServeSettings.defaults)))
        var resolved = try pipeline.resolved(file)
        guard resolved.engine != .oracle && resolved.engine != .replay else {
            throw ValidationError("--engine \(resolved.engine.rawValue) answers from files per item; serve embedded, clip or openai")
        }
        // Settled on a copy, for its check and its message: requests keep `auto`, so that each
        // vocabulary gets its own method config.
        var settled = resolved
        try settled.settleCLIP(othersIgnored: false)
        resolved.openAI.notice = { message in warn(message) }
        let pipelineSettings = try pipeline.pipelineSettings(file)
        var refiners: [String: any Refiner] = [:]
        for kind in RefinerKind.allCases where kind != .method || resolved.engine == .clip {
            refiners[kind.rawValue] = try pipeline.refiner(kind, engine: resolved.engine, config: file)
        }
        var vocabularies = BuiltinVocabularies.names
        if !vocabularies.contains(resolved.vocabularySource) && pipelineSettings.classes == nil {
            vocabularies.append(resolved.vocabularySource)
        }
        let prompts: PromptFactory = { options in
            var settings = pipelineSettings
            if options.vocab != nil || options.classes != nil {
                settings.vocab = options.vocab
                settings.classes = options.classes.map { [$0] }
                settings.others = nil
            }
            if let grid = options.grid { settings = try settings.applying(["grid": .number(Double(grid))]) }
            try settings.validate()
            let question = try PipelineOptions.question(settings)
            return (question.vocabulary, question.prompt)
        }
        var font: Font?
        do {
            font = try Font(path: self.font)
        } catch {
            warn("warning: \(error); overlays are drawn without a legend")
        }
        let segmenter = try resolved.segmenter(groundTruth: nil)
        let service = SegmentationService(
            engine: segmenter.engine, prompts: prompts, refiners: refiners, defaultRefiner: pipelineSettings.refine.rawValue,
            vocabularies: vocabularies, defaultVocabularyName: resolved.vocabulary.name, font: font, maxPixels: resolved.maxPixels,
            maxRefinePixels: resolved.maxRefinePixels, strict: resolved.strict)
        let workers = resolved.jobs
        let server = SegmentationServer(service: service, settings: settings, workers: workers)
        let engine = segmenter.engine.name
        let refine = segmenter.refiner.name
        let vocabulary = resolved.vocabulary.name
        let queue = settings.queue
        let token = settings.token != nil
        try await server.run { address in
            warn(
                "text4seg serve: listening on http://\(address) (engine \(engine), refine \(refine), vocabulary \(vocabulary); "
                    + "\(workers) workers, queue \(queue)\(token ? ", token required" : ""))")
        }
    }

    /// The secrets from the environment, over the config file's values.
    static func fromEnvironment(_ settings: ServeSettings) throws -> ServeSettings {
        let environment = ProcessInfo.processInfo.environment
        var values: [String: SettingValue] = [:]
        if let token = environment["TEXT4SEG_SERVE_TOKEN"], !token.isEmpty { values["token"] = .text(token) }
        if let key = environment["LABEL_STUDIO_API_KEY"], !key.isEmpty { values["label_studio_token"] = .text(key) }
        return try settings.overlaid(values)
    }
}
