import Crypto
import Foundation
import Text4SegCore

/// The `clip` engine: training-free dense open-vocabulary segmentation with a CLIP checkpoint
/// (ClearCLIP by default, SCLIP or NACLIP), on the CPU.
///
/// Each class name is embedded with the 80 ImageNet prompt templates (unit features averaged,
/// then normalized), cached on disk per checkpoint and name. The image is resized to the method's
/// short side, read by sliding windows, and each pixel's logits become class probabilities
/// (softmax of `logit_scale ×` cosine, a class taking its best name). The descriptor grid is at
/// the model's patch resolution of the resized image; per-class probabilities come with it, so
/// every refiner applies.
public final class CLIPEngine: Engine, @unchecked Sendable {
    /// Where background comes from.
    public enum Background: String, CaseIterable, Codable, Sendable, SettingChoice {
        /// `query` when the vocabulary's others class is called "background" (PASCAL VOC), else `none`.
        case auto
        /// The others class is a query of its own ("background" and its synonyms), and the threshold applies too, as the methods' VOC-21 configs do.
        case query
        /// Pixels whose best class probability is under the threshold become others.
        case threshold
        /// Every pixel gets a vocabulary class.
        case none
    }

    /// The `clip` section of a config file and the `--clip-…` flags.
    public struct Settings: SettingsSection {
        public static let section = "clip"
        public static var defaults: Settings { Settings() }

        /// How the last block is changed: clearclip, sclip or naclip.
        public var method: CLIPDenseMethod = .clearclip
        /// The image's short side before the windows; 0: the method's (448 ClearCLIP, 336 SCLIP and NACLIP).
        public var shortSide: Int = 0
        /// The sliding window's side; 0: the method's (448 ClearCLIP, 224 the others).
        public var window: Int = 0
        /// The windows' stride; 0: the method's (224 ClearCLIP, 112 the others).
        public var stride: Int = 0
        /// Cosines are multiplied by this before the softmax over classes; 0: the method's (50 ClearCLIP, 40 the others).
        public var logitScale: Float = 0
        public var background: Background = .auto
        /// The probability under which a pixel is background; negative: the method's (0.5 ClearCLIP, 0.1 the others).
        public var backgroundThreshold: Float = -1
        /// NACLIP's neighborhood window, in patches.
        public var gaussianStd: Float = 5

        public init() {}

        public func validate() throws {
            if shortSide != 0 { try check(shortSide, 32...4096, "shortSide") }
            if window != 0 { try check(window, 16...2048, "window") }
            if stride != 0 { try check(stride, 1...2048, "stride") }
            try check(logitScale, 0...1000, "logitScale")
            try check(backgroundThreshold, -1...1, "backgroundThreshold")
            try check(gaussianStd, 0.01...1000, "gaussianStd")
        }

        /// The values in force, the method's own where a setting says 0 (or a negative threshold).
        public var effective: (shortSide: Int, window: Int, stride: Int, logitScale: Float, threshold: Float) {
            let d = method.defaults
            return (
                shortSide == 0 ? d.shortSide : shortSide, window == 0 ? d.window : window, stride == 0 ? d.stride : stride,
                logitScale == 0 ? d.logitScale : logitScale, backgroundThreshold < 0 ? d.backgroundThreshold : backgroundThreshold
            )
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

    /// The image as CLIP takes it: `3 × height × width`, scaled to [0, 1] and normalized by CLIP's mean and deviation.
    public static func normalized(_ image: RGBImage) -> [Float] {
        let mean: [Float] = [0.48145466, 0.4578275, 0.40821073], deviation: [Float] = [0.26862954, 0.26130258, 0.27577711]
        let n = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { out[c * n + i] = (Float(image.pixels[i * 3 + c]) / 255 - mean[c]) / deviation[c] }
        }
        return out
    }

    /// The size the image is resized to: short side to `shortSide`, long side at most 2048 (mmseg's `Resize(scale=(2048, s), keep_ratio=True)`).
    public static func resizedSize(width: Int, height: Int, shortSide: Int) -> (width: Int, height: Int) {
        let scale = min(2048 / Double(max(width, height)), Double(shortSide) / Double(min(width, height)))
        return (max(1, Int(Double(width) * scale + 0.5)), max(1, Int(Double(height) * scale + 0.5)))
    }

    /// The queries for a vocabulary: each class's name and synonyms, and which class each belongs to.
    func queries(for vocabulary: Vocabulary, backgroundQuery: Bool) -> (names: [String], classes: [Int]) {
        var names: [String] = [], classes: [Int] = []
        for item in vocabulary.classes {
            let isOthers = item.id == vocabulary.othersID
            if isOthers && !backgroundQuery { continue }
            var seen = Set<String>()
            for name in [item.name] + item.synonyms where seen.insert(name.lowercased()).inserted {
                names.append(name)
                classes.append(item.id)
            }
        }
        return (names, classes)
    }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let start = Date()
        let vocabulary = request.vocabulary
        let e = settings.effective
        let others = vocabulary.othersValue
        let othersName = vocabulary.classes.first { $0.id == vocabulary.othersID }?.name.lowercased()
        let mode = settings.background == .auto ? (othersName == "background" ? .query : .none) : settings.background
        let (names, classes) = queries(for: vocabulary, backgroundQuery: mode == .query)
        guard !names.isEmpty else {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "the vocabulary has no class to look for")
        }
        let embeddings = queryEmbeddings(names)
        let size = Self.resizedSize(width: request.image.width, height: request.image.height, shortSide: e.shortSide)
        let image = Resampling.bilinear(request.image, width: size.width, height: size.height)
        let sliding = CLIPSlidingWindow(window: e.window, stride: e.stride)
        let h = size.height, w = size.width
        let windows = sliding.windowLogits(
            model: model, pixels: Self.normalized(image), height: h, width: w, queries: embeddings, method: settings.method,
            gaussianStd: settings.gaussianStd, jobs: jobs)
        try Task.checkCancellation()
        // Per pixel: softmax over the queries, each class its best name's probability, averaged over
        // the cells of the resized image's patch grid (the engine's native resolution). Image rows
        // are made from the windows' patch logits one at a time; each grid row's pixel rows go to
        // one thread, which alone writes that grid row's cells.
        let classIDs = Array(Set(classes)).sorted()
        let slot = Dictionary(uniqueKeysWithValues: classIDs.enumerated().map { ($1, $0) })
        let slots = classes.map { slot[$0]! }
        let patch = model.patchSize
        let rows = max(1, Int((Double(h) / Double(patch)).rounded())), cols = max(1, Int((Double(w) / Double(patch)).rounded()))
        let cellOf = (0..<w).map { min(cols - 1, $0 * cols / w) }
        let band = (0..<h).reduce(into: [[Int]](repeating: [], count: rows)) { $0[min(rows - 1, $1 * rows / h)].append($1) }
        var counts = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for x in 0..<w { counts[r * cols + cellOf[x]] += Float(band[r].count) } }
        var sums = [Float](repeating: 0, count: classIDs.count * rows * cols)
        let q = names.count, workers = max(1, min(jobs, rows)), cells = rows * cols, scale = e.logitScale
        sums.withUnsafeMutableBufferPointer { buffer in
            let box = UnsafeSendableBox(pointer: buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var logits = [Float](repeating: 0, count: q * w)
                var pixel = [Float](repeating: 0, count: q)
                var best = [Float](repeating: 0, count: classIDs.count)
                for r in Swift.stride(from: worker, to: rows, by: workers) {
                    for y in band[r] {
                        logits.withUnsafeMutableBufferPointer { windows.row(y, into: $0.baseAddress!) }
                        for x in 0..<w {
                            for k in 0..<q { pixel[k] = scale * logits[k * w + x] }
                            pixel.withUnsafeMutableBufferPointer { Vector.softmaxRows($0.baseAddress!, rows: 1, width: q) }
                            for i in best.indices { best[i] = 0 }
                            for k in 0..<q { best[slots[k]] = max(best[slots[k]], pixel[k]) }
                            let cell = r * cols + cellOf[x]
                            for i in best.indices { box.pointer[i * cells + cell] += best[i] }
                        }
                    }
                }
            }
        }
        var scores: [Int: [Float]] = [:]
        for (index, id) in classIDs.enumerated() {
            scores[id] = (0..<cells).map { sums[index * cells + $0] / max(counts[$0], 1) }
        }
        let threshold: Float = mode == .none ? 0 : e.threshold
        if mode == .threshold { scores[others] = [Float](repeating: threshold, count: rows * cols) }
        var grid = DescriptorGrid(rows: rows, cols: cols, fill: UInt16(clamping: others))
        for i in 0..<(rows * cols) {
            var bestID = others, best = -Float.infinity
            for id in classIDs where scores[id]![i] > best {
                best = scores[id]![i]
                bestID = id
            }
            grid.values[i] = UInt16(clamping: best < threshold ? others : bestID)
        }
        return EngineOutput(grid: grid, scores: scores, seconds: Date().timeIntervalSince(start))
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
