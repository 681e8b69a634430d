/// What an engine is asked: describe this image as a grid of class names.
public struct DescriptorRequest: Sendable {
    /// A stable id for the image (file stem), used by recording and replaying engines.
    public var itemID: String
    /// The full-resolution image, upright.
    public var image: RGBImage
    public var prompt: Prompt
    public var vocabulary: Vocabulary
    /// Ground truth, when an evaluation has it. Only ceiling engines (`oracle`) may look at it.
    public var groundTruth: LabelMap?

    public init(itemID: String, image: RGBImage, prompt: Prompt, vocabulary: Vocabulary, groundTruth: LabelMap? = nil) {
        self.itemID = itemID
        self.image = image
        self.prompt = prompt
        self.vocabulary = vocabulary
        self.groundTruth = groundTruth
    }

    /// The image as the model sees it: stretched to `viewSize × viewSize`, bilinear.
    public func view() -> RGBImage {
        Resampling.bilinear(image, width: prompt.viewSize, height: prompt.viewSize)
    }
}

/// What an engine answers.
public struct EngineOutput: Sendable {
    /// The answer text, with its `<seg>` block; decoded by the pipeline.
    public var text: String?
    /// A grid given directly (engines that do not speak text).
    public var grid: DescriptorGrid?
    /// Per-class scores over the grid, `[class id: rows × cols]`, when the engine has them.
    public var scores: [Int: [Float]]?
    /// A full-resolution decision the engine made itself, pixel by pixel (the `clip` engine runs
    /// its method's own pipeline); the `method` refiner passes it on.
    public var labelMap: LabelMap?
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Seconds the engine took.
    public var seconds: Double
    /// Requests sent again after a transient failure.
    public var retries: Int = 0
    /// Seconds spent waiting on a server (network, inference, backoff); the rest of an item's time is the client's own.
    public var waitSeconds: Double = 0

    public init(
        text: String? = nil, grid: DescriptorGrid? = nil, scores: [Int: [Float]]? = nil, promptTokens: Int? = nil,
        completionTokens: Int? = nil, seconds: Double = 0
    ) {
        self.text = text
        self.grid = grid
        self.scores = scores
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
    }
}

/// A source of semantic descriptors: a Text4Seg model behind a server, an
/// embedded model, or an offline engine (oracle, replay).
public protocol Engine: Sendable {
    /// The name given to `--engine`.
    var name: String { get }
    func describe(_ request: DescriptorRequest) async throws -> EngineOutput
    /// Releases connections and threads; called once when the engine is no longer needed.
    func shutdown() async
}

extension Engine {
    public func shutdown() async {}
}
