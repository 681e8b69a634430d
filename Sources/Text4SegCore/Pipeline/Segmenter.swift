import Foundation

/// The result of segmenting one image.
public struct Segmentation: Sendable {
    public var labelMap: LabelMap
    public var grid: DescriptorGrid
    /// The engine's answer text, when it answered in text.
    public var answer: String?
    public var repairs: [DescriptorRepair]
    public var engineOutput: EngineOutput
}

/// Runs the whole flow for one image: prompt → engine → descriptors → refined label map.
///
///     let segmenter = Segmenter(engine: engine, vocabulary: voc)
///     let result = try await segmenter.segment(itemID: "cat", image: image)
///     try LabelMapWriter(vocabulary: voc).writeLabelMap(result.labelMap, to: "cat.png")
public struct Segmenter: Sendable {
    public var engine: any Engine
    public var vocabulary: Vocabulary
    public var prompt: Prompt
    public var refiner: any Refiner
    /// Turn descriptor repairs into errors.
    public var strict: Bool
    /// Refiners work on at most this many pixels: a larger image is refined at a reduced size
    /// (same aspect) and the labels are brought back to full size by nearest neighbor, so the
    /// refiners' time and memory stay bounded whatever the photo's size.
    public var maxRefinePixels: Int = Limits.defaultMaxRefinePixels
    /// The seed the prompt's template was drawn with, if any: referring questions are drawn with it too.
    public var templateSeed: UInt64?

    public init(engine: any Engine, vocabulary: Vocabulary, prompt: Prompt? = nil, refiner: (any Refiner)? = nil, strict: Bool = false) {
        self.engine = engine
        self.vocabulary = vocabulary
        let prompt = prompt ?? PromptBuilder(vocabulary: vocabulary).build(.condition)
        self.prompt = prompt
        self.refiner = refiner ?? NearestRefiner()
        self.strict = strict
    }

    public func segment(itemID: String, image: RGBImage, groundTruth: LabelMap? = nil) async throws -> Segmentation {
        let request = DescriptorRequest(itemID: itemID, image: image, prompt: prompt, vocabulary: vocabulary, groundTruth: groundTruth)
        try Task.checkCancellation()
        let output = try await engine.describe(request)
        try Task.checkCancellation()
        let grid: DescriptorGrid
        var repairs: [DescriptorRepair] = []
        if let text = output.text {
            let decoded = try DescriptorDecoder.decode(text, vocabulary: vocabulary, rows: prompt.grid, cols: prompt.grid, strict: strict)
            grid = decoded.grid
            repairs = decoded.repairs
        } else if let given = output.grid {
            grid = given
        } else {
            throw EngineError.emptyOutput(engine: engine.name, item: itemID)
        }
        try Task.checkCancellation()
        let map = try refineBounded(
            RefinementInput(
                grid: grid, scores: output.scores, image: image, viewSize: prompt.viewSize,
                others: UInt16(exactly: vocabulary.othersValue), engineLabels: output.labelMap))
        return Segmentation(labelMap: map, grid: grid, answer: output.text, repairs: repairs, engineOutput: output)
    }
}

extension Segmenter {
    /// This segmenter asked for one referring expression: the two-class vocabulary of
    /// ``Vocabulary/referring(_:)`` and a QUESTION_PARTIAL question with the expression's
    /// commas removed (Text4Seg's `model_refer_seg.py`), on the same view and grid. With a
    /// template seed each expression draws its own template, as the paper's evaluation does,
    /// from the seed and `itemID`, so a shard or a resumed run asks the same question.
    public func referring(_ expression: String, itemID: String) -> Segmenter {
        var copy = self
        copy.vocabulary = .referring(expression)
        let seed = templateSeed.map { $0 ^ RunFingerprint.hashValue(itemID) }
        copy.prompt = PromptBuilder(vocabulary: copy.vocabulary, templateSeed: seed, viewSize: prompt.viewSize, grid: prompt.grid)
            .build(.partial(ReferTarget.promptText(expression)))
        return copy
    }

    /// Refines at full size up to ``maxRefinePixels``, else at a reduced size whose labels are upsampled.
    func refineBounded(_ input: RefinementInput) throws -> LabelMap {
        let (width, height) = (input.width, input.height)
        guard width * height > maxRefinePixels, maxRefinePixels > 0, refiner.needsBoundedSize else { return try refiner.refine(input) }
        let scale = (Double(maxRefinePixels) / Double(width * height)).squareRoot()
        let small = (width: max(1, Int(Double(width) * scale)), height: max(1, Int(Double(height) * scale)))
        var reduced = input
        reduced.image = Resampling.bilinear(input.image, width: small.width, height: small.height)
        let labels = try refiner.refine(reduced)
        return labels.resizedNearest(width: width, height: height)
    }
}
