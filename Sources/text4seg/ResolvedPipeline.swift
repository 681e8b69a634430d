import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegModels

/// What `label` and `eval` run with, once defaults, the config file and flags are merged.
struct ResolvedPipeline {
    var vocabulary: Vocabulary
    var prompt: Prompt
    var refiner: any Refiner
    var engine: EngineKind
    var sampling: GridSampling
    var replayFolder: String?
    var strict: Bool
    var openAI: OpenAISettings
    var concurrency: Int?
    var embedded: EmbeddedEngine.Settings
    var clip: CLIPEngine.Settings
    /// The CLIP checkpoint folder: `--model-dir`, the config's `model_dir`, or the installed default.
    var modelDir: String?
    var maxPixels: Int
    var maxRefinePixels: Int
    /// What `--vocab` (or the config, or the dataset) named: a built-in name or a YAML path.
    var vocabularySource: String
    /// Whether `--vocab` or the config named the vocabulary (else the dataset's layout, or the default).
    var vocabularyGiven: Bool
    /// The config file the settings came from, if any.
    var configPath: String?
    /// `--template-seed`: referring questions are drawn with it per expression.
    var templateSeed: UInt64?
    /// Makes this a run over referring expressions: each item brings its own two-class
    /// vocabulary (``Vocabulary/referring(_:)``), so the run's is that of a placeholder target.
    mutating func settleReferring() {
        vocabulary = .referring("target")
        vocabularySource = "referring (each expression against others)"
    }

    /// Whether the run ignores the others class (`--reduce-zero-label`): clip then picks VOC-20 over VOC-21.
    var othersIgnored = false

    /// Settles the clip engine's dataset config for this vocabulary before anything runs: a
    /// mismatch fails here, the config chosen is recorded (so the run's fingerprint names it), and
    /// stderr says which config and numbers are in force.
    mutating func settleCLIP(othersIgnored: Bool) throws {
        guard engine == .clip else { return }
        self.othersIgnored = othersIgnored
        do {
            let recipe = try clip.recipe(for: vocabulary, othersIgnored: othersIgnored)
            clip.dataset = recipe.dataset ?? "none"
            warn(recipe.summary)
        } catch let error as CLIPRecipeError {
            throw ConfigError("clip: \(error)")
        }
    }

    /// Items in flight: the flag or config, else 8 for a server, else the cores.
    var jobs: Int {
        max(1, concurrency ?? (engine == .openai ? 8 : ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The files a run over these items reads besides its images: the config, a vocabulary file,
    /// the checkpoint, recorded answers and ground truth. None of them may be an output.
    func inputFiles(itemIDs: [String], groundTruth: String?) -> [String] {
        var files = [configPath].compactMap { $0 }
        if PathKind.of(vocabularySource) == .file { files.append(vocabularySource) }
        switch engine {
        case .clip: if let modelDir { files += HubDownload.files.map { modelDir + "/" + $0 } }
        case .replay: if let replayFolder { files += itemIDs.map { replayFolder + "/" + $0 + ".txt" } }
        case .oracle: if let groundTruth { files += itemIDs.map { groundTruth + "/" + $0 + ".png" } }
        case .embedded, .openai: break
        }
        return files
    }

    /// The files the engine itself writes for an item (the server's raw answers), by item id.
    func engineOutputs(itemID: String) -> [String] {
        guard engine == .openai, let folder = openAI.saveResponses else { return [] }
        return [folder + "/" + itemID + ".txt", folder + "/" + itemID + ".json"]
    }

    func segmenter(groundTruth: String?) throws -> Segmenter {
        let made: any Engine
        switch engine {
        case .embedded:
            made = try EmbeddedEngine(store: ModelStore(), settings: embedded)
        case .clip:
            guard let modelDir else { throw ModelStoreError.noCLIPCheckpoint(folder: ModelStore().folder) }
            let engine = try CLIPEngine(folder: modelDir, cacheFolder: ModelStore().folder, settings: clip)
            engine.log = { warn($0) }
            engine.othersIgnored = othersIgnored
            made = engine
        case .openai:
            made = try OpenAIEngine(settings: openAI)
        case .oracle:
            made = OracleEngine(sampling: sampling, labelsFolder: groundTruth)
        case .replay:
            guard let replayFolder else {
                throw EngineError.missingInput(
                    engine: engine.rawValue, item: "-", reason: "pass --replay DIR, a folder of <id>.txt answers")
            }
            made = ReplayEngine(folder: replayFolder)
        }
        var segmenter = Segmenter(engine: made, vocabulary: vocabulary, prompt: prompt, refiner: refiner, strict: strict)
        segmenter.maxRefinePixels = maxRefinePixels
        segmenter.templateSeed = templateSeed
        return segmenter
    }

    /// Every effective setting that decides the results (see ``RunFingerprint``); `--resume` compares them.
    /// - Parameters: the dataset as given, the listing found there, the label suffix asked for and the shard.
    func fingerprint(dataset: String, listing: Dataset.Listing, labelsSuffix: String?, shard: Shard?) -> RunFingerprint {
        var f = RunFingerprint()
        // The release, not the commit: a rebuild may resume, an upgrade may not.
        f["version"] = Text4Seg.version
        f["dataset"] = URL(fileURLWithPath: dataset).standardizedFileURL.path
        f["split"] = listing.split
        f["dataset.layout"] = listing.layout.rawValue
        f["dataset.labels_suffix"] = labelsSuffix ?? "default"
        f["shard"] = shard?.description ?? "none"
        f["vocabulary"] = vocabulary.name
        f["vocabulary.hash"] = vocabulary.contentHash
        f["vocabulary.source"] = vocabularySource
        f["engine"] = engine.rawValue
        f["grid"] = "\(prompt.grid)"
        f["view"] = "\(prompt.viewSize)"
        f["question.hash"] = RunFingerprint.hash(prompt.question)
        f["strict"] = "\(strict)"
        f["refine"] = refiner.name
        f.add(prefix: "refine", refiner)
        f["refine.max_pixels"] = "\(maxRefinePixels)"
        // Each referring expression draws its question with the seed.
        if listing.layout == .refer { f["refer.template_seed"] = templateSeed.map { "\($0)" } ?? "none" }
        switch engine {
        case .openai:
            f["openai.base_url"] = openAI.baseURL
            f["openai.model"] = openAI.model
            f["openai.max_tokens"] = "\(openAI.maxTokens)"
            f["openai.temperature"] = "\(openAI.temperature)"
            f["openai.stop"] = openAI.stop?.joined(separator: "\u{1F}") ?? "none"
            f["openai.seed"] = openAI.seed.map { "\($0)" } ?? "none"
            f["openai.image_format"] = openAI.imageFormat.rawValue
            f["openai.jpeg_quality"] = "\(openAI.jpegQuality)"
        case .embedded: f.add(prefix: "embedded", embedded)
        case .clip:
            f.add(prefix: "clip", clip)
            f["clip.model_dir"] = modelDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "none"
            f["clip.checkpoint"] = modelDir.flatMap { try? CLIPEngine.identity($0, cacheFolder: ModelStore().folder) } ?? "none"
        case .oracle: f["oracle.sampling"] = sampling.rawValue
        case .replay: f["replay.folder"] = replayFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "none"
        }
        return f
    }
}
