import Crypto
import Foundation
import Text4SegCore

/// The `clip` engine: training-free dense open-vocabulary segmentation with a CLIP checkpoint
/// (ClearCLIP by default, SCLIP or NACLIP), on the CPU, as the methods' own code runs it.
///
/// Each query name is embedded with the 80 ImageNet prompt templates (unit features averaged,
/// then normalized), cached on disk per checkpoint and name. The queries, and every number of the
/// pipeline, come from the method's config for the dataset the vocabulary is (``CLIPMethodConfig``,
/// see ``CLIPRecipe``). The image is resized as mmcv does (cv2's bilinear, short side to the
/// config's), read by sliding windows (or whole), and the logits are brought bilinearly to the
/// original size, where each pixel is decided as the method decides it (``CLIPDecision``, after
/// PAMR where the config runs it). That decision is the engine's ``EngineOutput/labelMap``; the
/// descriptor grid and per-cell class scores (the decision's probabilities averaged over the
/// resized image's patch cells) come with it, so every refiner applies.
public final class CLIPEngine: Engine, @unchecked Sendable {
    /// Where background comes from.
    public enum Background: String, CaseIterable, Codable, Sendable, SettingChoice {
        /// As the dataset config says (line 0 is the others class on VOC-21, Context-60 and
        /// COCO-Object); with no config, `query` when the others class is called "background", else `none`.
        case auto
        /// The others class is a query of its own, and the threshold applies too, as the methods' VOC-21 configs do.
        case query
        /// Pixels whose best class probability is under the threshold become others; others is not a query.
        case threshold
        /// Every pixel gets a class other than others.
        case none
    }

    /// The `clip` section of a config file and the `--clip-…` flags. Values left at their
    /// "method's" setting come from the method's dataset config (``CLIPMethodConfig``).
    public struct Settings: SettingsSection {
        public static let section = "clip"
        public static var defaults: Settings { Settings() }

        /// How the last block is changed: clearclip, sclip or naclip.
        public var method: CLIPDenseMethod = .clearclip
        /// The method's dataset config: `auto` (the one matching the vocabulary), `none` (the
        /// vocabulary's own names), or a config's key (`voc21`, `context59`, `coco_object`…).
        public var dataset: String = "auto"
        /// The image's short side before the windows; 0: the config's.
        public var shortSide: Int = 0
        /// The sliding window's side; 0: the whole image at once; -1: the config's.
        public var window: Int = -1
        /// The windows' stride; 0: the config's.
        public var stride: Int = 0
        /// Cosines are multiplied by this before the softmax over classes; 0: the config's.
        public var logitScale: Float = 0
        public var background: Background = .auto
        /// The probability under which a pixel is background; negative: the config's.
        public var backgroundThreshold: Float = -1
        /// SCLIP's area threshold (a share of the pixels); 0: none; negative: the config's.
        public var areaThreshold: Float = -1
        /// PAMR iterations on the full-size logits; 0: none; negative: the config's (10 for NACLIP).
        public var pamrSteps: Int = -1
        /// NACLIP's neighborhood window, in patches; 0: the config's (5).
        public var gaussianStd: Float = 0

        public init() {}

        public func validate() throws {
            if shortSide != 0 { try check(shortSide, 32...4096, "shortSide") }
            if window > 0 { try check(window, 16...2048, "window") } else { try check(window, -1...0, "window") }
            if stride != 0 { try check(stride, 1...2048, "stride") }
            try check(logitScale, 0...1000, "logitScale")
            try check(backgroundThreshold, -1...1, "backgroundThreshold")
            try check(areaThreshold, -1...1, "areaThreshold")
            try check(pamrSteps, -1...100, "pamrSteps")
            try check(gaussianStd, 0...1000, "gaussianStd")
            let known = Set(CLIPDenseMethod.allCases.flatMap { CLIPMethodConfig.builtin($0).datasets.keys }).union(["auto", "none"])
            guard known.contains(dataset) else {
                throw SettingsError(section: Self.section, key: "dataset", value: dataset, problem: .notOneOf(known.sorted()))
            }
        }
    }

    public let model: CLIPModel
    public let tokenizer: CLIPTokenizer
    public var settings: Settings
    let textCache: TextEmbeddingCache
    /// At most this many windows at once (the cores).
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Where the engine says what takes long and happens once (embedding a vocabulary's names).
    public var log: (@Sendable (String) -> Void)?
    private let embeddingLock = NSLock()
    /// Names' prompt ensembles already read or computed, guarded by `embeddingLock`.
    private var embeddings: [String: [Float]] = [:]
    /// Whether the run ignores the others class (`--reduce-zero-label`): VOC-20 rather than VOC-21.
    public var othersIgnored = false
    private let recipeLock = NSLock()
    /// Recipes by vocabulary content hash, guarded by `recipeLock`.
    private var recipes: [String: CLIPRecipe] = [:]

    /// Loads a Hugging Face CLIP checkpoint folder; text embeddings are cached under `cacheFolder`.
    public init(folder: String, cacheFolder: String, settings: Settings = Settings()) throws {
        (model, tokenizer) = try Self.load(folder: folder)
        self.settings = settings
        textCache = TextEmbeddingCache(
            folder: cacheFolder + "/text-embeddings", model: "clip:" + (try Self.identity(folder, cacheFolder: cacheFolder)),
            dimension: model.projectionWidth)
        LinearAlgebra.useSingleThreadedBLAS()
    }

    public var name: String { "clip" }

    /// Names a checkpoint for the cache and the run fingerprint: its config and tokenizer files,
    /// and the full SHA-256 of its weights (computed once per version of the file, see
    /// ``WeightsDigest``; `models pull` records the Hub's), so that a checkpoint whose weights
    /// differ anywhere never reads another's text embeddings.
    public static func identity(_ folder: String, cacheFolder: String) throws -> String {
        var hasher = SHA256()
        for file in ["config.json", "vocab.json", "merges.txt"] {
            let data = FileManager.default.contents(atPath: folder + "/" + file) ?? Data()
            hasher.update(data: Data("\(file) \(data.count)\n".utf8))
            hasher.update(data: data)
        }
        let weights = try WeightsDigest(folder: cacheFolder + "/" + WeightsDigest.storeFolderName).sha256(of: folder + "/model.safetensors")
        hasher.update(data: Data("model.safetensors sha256 \(weights)\n".utf8))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined().prefix(32).description
    }

    /// Loads a checkpoint's model and tokenizer and checks that they fit each other: every id of
    /// `vocab.json` has a token embedding.
    public static func load(folder: String) throws -> (CLIPModel, CLIPTokenizer) {
        let model = try CLIPModel(folder: folder)
        let tokenizer = try CLIPTokenizer(folder: folder, contextLength: model.textPositions.shape[0])
        let rows = model.tokenEmbedding.shape[0]
        if let (token, id) = tokenizer.vocabulary.max(by: { $0.value < $1.value }), Int(id) >= rows {
            throw WeightsError.invalidValue(
                path: folder + "/vocab.json", field: "the id of \(token.debugDescription)",
                reason: "\(id) is past the \(rows) token embeddings of model.safetensors")
        }
        return (model, tokenizer)
    }

    /// The prompt-ensembled text embedding of each name: unit features of the 80 templates, averaged,
    /// normalized. Read from memory, else from the disk cache, else computed (and kept in both); one
    /// caller computes at a time, so images that start together do not embed the same names twice.
    public func queryEmbeddings(_ names: [String]) -> [[Float]] {
        embeddingLock.lock()
        defer { embeddingLock.unlock() }
        // Bounded, for a server that meets new names with every request (the disk cache keeps them).
        if embeddings.count + names.count > 20_000 { embeddings.removeAll() }
        for name in names where embeddings[name] == nil {
            embeddings[name] = textCache.read("imagenet-80:" + name)
        }
        let missing = Array(Set(names.filter { embeddings[$0] == nil })).sorted()
        if !missing.isEmpty {
            log?(
                "clip: embedding \(missing.count) class names with \(ImageNetTemplates.all.count) prompt templates each, once for this "
                    + "checkpoint (later runs read \(textCache.folder))")
            for (name, vector) in zip(missing, ensembles(missing)) {
                embeddings[name] = vector
                try? textCache.write(vector, for: "imagenet-80:" + name)
            }
        }
        return names.map { embeddings[$0]! }
    }

    /// Prompt ensembles of `names`: each template filled with a batch of names runs as one call
    /// that shares the template's beginning (see `CLIPModel.textFeatures(sharingPrefix:)`). Groups
    /// of 8 templates go to the cores; their sums of unit features are added in group order, so
    /// the result does not depend on the number of cores or on which finished first.
    func ensembles(_ names: [String]) -> [[Float]] {
        let templates = ImageNetTemplates.all, width = model.projectionWidth
        let batches = Swift.stride(from: 0, to: names.count, by: Self.namesPerCall).map {
            Array(names[$0..<Swift.min($0 + Self.namesPerCall, names.count)])
        }
        let groups = Swift.stride(from: 0, to: templates.count, by: 8).map { Array(templates[$0..<Swift.min($0 + 8, templates.count)]) }
        let work = groups.indices.flatMap { group in batches.indices.map { (group, $0) } }
        let partials = LockedVectors(count: work.count)
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, work.count))) { _ in
            while let index = next.take(below: work.count) {
                let (group, batch) = work[index]
                var sum = [Float](repeating: 0, count: batches[batch].count * width)
                for template in groups[group] {
                    let prompts = batches[batch].map { tokenizer.encode(template.replacingOccurrences(of: "{}", with: $0)) }
                    var features = model.textFeatures(sharingPrefix: prompts).flatMap { $0 }
                    Vector.normalizeRows(&features, width: width)
                    for i in 0..<features.count { sum[i] += features[i] }
                }
                partials.set(index, sum)
            }
        }
        return batches.indices.flatMap { batch in
            var total = [Float](repeating: 0, count: batches[batch].count * width)
            for (index, item) in work.enumerated() where item.1 == batch {
                let sum = partials.get(index)
                for i in 0..<total.count { total[i] += sum[i] }
            }
            Vector.normalizeRows(&total, width: width)
            return (0..<batches[batch].count).map { Array(total[($0 * width)..<(($0 + 1) * width)]) }
        }
    }

    /// Names per text-tower call: bounds the activations (a 10,000-class vocabulary would
    /// otherwise run some 40,000 tokens through each layer at once).
    static let namesPerCall = 256

    /// The image as CLIP takes it: `3 × height × width`, each value `(v − mean) / deviation` on the
    /// 0–255 scale with the constants of the methods' mmseg data preprocessor (CLIP's, × 255,
    /// rounded to three decimals: ClearCLIP, SCLIP and NACLIP all write `mean=[122.771, 116.746,
    /// 104.094], std=[68.501, 66.632, 70.323]`), computed as it computes them in float.
    public static func normalized(_ image: RGBImage) -> [Float] {
        let mean: [Float] = [122.771, 116.746, 104.094], deviation: [Float] = [68.501, 66.632, 70.323]
        let n = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { out[c * n + i] = (Float(image.pixels[i * 3 + c]) - mean[c]) / deviation[c] }
        }
        return out
    }

    /// The size the image is resized to: short side to `shortSide`, long side at most 2048 (mmseg's `Resize(scale=(2048, s), keep_ratio=True)`).
    public static func resizedSize(width: Int, height: Int, shortSide: Int) -> (width: Int, height: Int) {
        let scale = min(2048 / Double(max(width, height)), Double(shortSide) / Double(min(width, height)))
        return (max(1, Int(Double(width) * scale + 0.5)), max(1, Int(Double(height) * scale + 0.5)))
    }

    /// The recipe for a vocabulary, made once per vocabulary (the engine runs one at a time).
    public func recipe(for vocabulary: Vocabulary) throws -> CLIPRecipe {
        recipeLock.lock()
        defer { recipeLock.unlock() }
        let key = vocabulary.contentHash
        if let cached = recipes[key] { return cached }
        if recipes.count >= 64 { recipes.removeAll() }
        let recipe = try settings.recipe(for: vocabulary, othersIgnored: othersIgnored)
        recipes[key] = recipe
        return recipe
    }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let start = Date()
        let recipe: CLIPRecipe
        do {
            recipe = try self.recipe(for: request.vocabulary)
        } catch {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "\(error)")
        }
        let pipeline = try logits(request.image, recipe: recipe)
        let (width, height) = (request.image.width, request.image.height)
        let result = recipe.decision.decide(width: width, height: height, bands: pipeline.bands, cells: pipeline.cells, jobs: jobs) {
            pipeline.rows($0)
        }
        return output(result, recipe: recipe, cells: pipeline.cells, width: width, height: height, seconds: Date().timeIntervalSince(start))
    }

    /// An image's logits at its original size, as the method makes them: resized as mmcv does,
    /// read by windows (or whole), upsampled bilinearly, and refined by PAMR where the recipe
    /// says, in bands of rows (``CLIPDecision/decide(width:height:bands:cells:jobs:rows:)``
    /// takes them as they are); and the grid cells of the resized image's patches.
    public func logits(
        _ original: RGBImage, recipe: CLIPRecipe
    ) throws -> (
        bands: [Range<Int>], rows: @Sendable (Range<Int>) -> (logits: any CLIPLogitRows, offset: Int), cells: CLIPDecision.Cells
    ) {
        let s = recipe.settings
        let embeddings = queryEmbeddings(recipe.names)
        let (height, width) = (original.height, original.width)
        let size = Self.resizedSize(width: width, height: height, shortSide: s.shortSide)
        let pixels = Self.normalized(Resampling.cv2Linear(original, width: size.width, height: size.height))
        let sliding = CLIPSlidingWindow(window: s.window, stride: s.stride, pad: s.padWindows)
        let windows = sliding.windowLogits(
            model: model, pixels: pixels, height: size.height, width: size.width, queries: embeddings, method: recipe.method,
            gaussianStd: s.gaussianStd, logitSize: s.window == 0 && s.wholeLogitsAtOriginal ? (height, width) : nil, jobs: jobs)
        try Task.checkCancellation()
        let source: any CLIPLogitRows =
            windows.height == height && windows.width == width ? windows : UpsampledLogitRows(windows, height: height, width: width)
        let patch = model.patchSize
        let cells = CLIPDecision.Cells(
            rows: max(1, Int((Double(size.height) / Double(patch)).rounded())),
            cols: max(1, Int((Double(size.width) / Double(patch)).rounded())))
        guard s.pamrSteps > 0 else { return ([0..<height], { _ in (source, 0) }, cells) }
        let pamr = PAMRLogitRows(
            source: source, image: PlanarLogitRows(planes: pixels, queries: 3, height: size.height, width: size.width),
            pamr: PAMR(iterations: s.pamrSteps, dilations: s.pamrDilations))
        return (pamr.bands, { pamr.band($0) }, cells)
    }

    /// The engine's answer: the labels at full size, and the grid and per-cell scores from the cell means.
    func output(
        _ result: CLIPDecision.Result, recipe: CLIPRecipe, cells: CLIPDecision.Cells, width: Int, height: Int, seconds: Double
    )
        -> EngineOutput
    {
        let count = cells.rows * cells.cols
        var scores: [Int: [Float]] = [:]
        for (slot, label) in recipe.labels.enumerated() {
            scores[Int(label)] = Array(result.cellScores[(slot * count)..<((slot + 1) * count)])
        }
        let threshold = recipe.settings.threshold
        if threshold > 0 && !recipe.labels.contains(recipe.belowThreshold) {
            scores[Int(recipe.belowThreshold)] = [Float](repeating: threshold, count: count)
        }
        var grid = DescriptorGrid(rows: cells.rows, cols: cells.cols, fill: recipe.belowThreshold)
        for i in 0..<count {
            var best = 0, top = -Float.infinity
            for slot in recipe.labels.indices where result.cellScores[slot * count + i] > top {
                top = result.cellScores[slot * count + i]
                best = slot
            }
            grid.values[i] = top < threshold ? recipe.belowThreshold : recipe.labels[best]
        }
        let values = result.labels.map { $0 == CLIPDecision.belowThreshold ? recipe.belowThreshold : recipe.labels[Int($0)] }
        var output = EngineOutput(grid: grid, scores: scores, seconds: seconds)
        output.labelMap = LabelMap(width: width, height: height, values: values)
        return output
    }
}

/// Vectors filled in by several threads.
final class LockedVectors: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Float]]

    init(count: Int) { values = [[Float]](repeating: [], count: count) }

    func set(_ index: Int, _ value: [Float]) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        return values[index]
    }
}
