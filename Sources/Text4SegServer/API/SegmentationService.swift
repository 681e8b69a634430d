import Foundation
import Synchronization
import Text4SegCore
import Text4SegReports

/// What one request may choose: the classes (a built-in vocabulary or a class list), the
/// refiner and the grid. Anything not given is what `serve` was started with.
public struct SegmentOptions: Sendable, Hashable {
    public var vocab: String?
    public var classes: String?
    public var refine: String?
    public var grid: Int?

    public init(vocab: String? = nil, classes: String? = nil, refine: String? = nil, grid: Int? = nil) {
        self.vocab = vocab
        self.classes = classes
        self.refine = refine
        self.grid = grid
    }
}

/// The vocabulary and prompt of a request, made from its ``SegmentOptions`` by the same
/// settings code as `text4seg label`'s flags, so a request is checked as a command line is.
public typealias PromptFactory = @Sendable (SegmentOptions) throws -> (vocabulary: Vocabulary, prompt: Prompt)

/// One segmented image: the label map and what the API answers about it.
public struct SegmentOutcome: Sendable {
    public var image: RGBImage
    public var labelMap: LabelMap
    public var vocabulary: Vocabulary
    public var shares: [ClassShare]
    public var refiner: String
    public var seconds: Double

    /// The palette PNG `text4seg label` writes for this map.
    public func labelMapPNG() throws -> Data { try LabelMapWriter(vocabulary: vocabulary).labelPNG(labelMap) }
}

/// The engine, loaded once, and everything a request needs to be segmented as `text4seg label`
/// would segment it. It holds no segmentation logic: it picks a ``Segmenter`` for the request's
/// options and runs it.
///
///     let service = SegmentationService(engine: engine, prompts: factory, refiners: ["nearest": NearestRefiner()], defaultRefiner: "nearest")
///     let outcome = try await service.segment(bytes, options: SegmentOptions(classes: "person, dog"))
public final class SegmentationService: Sendable {
    public let engine: any Engine
    public let prompts: PromptFactory
    public let refiners: [String: any Refiner]
    public let defaultRefiner: String
    public let maxPixels: Int
    public let maxRefinePixels: Int
    public let strict: Bool
    /// The names `vocab` may take: the built-in vocabularies and the one `serve` was started with.
    public let vocabularies: [String]
    /// The vocabulary requests get when they name none.
    public let defaultVocabularyName: String
    /// The overlays' legend font, when one could be read.
    public let font: Font?
    private let made = Mutex<[SegmentOptions: (vocabulary: Vocabulary, prompt: Prompt)]>([:])

    public init(
        engine: any Engine, prompts: @escaping PromptFactory, refiners: [String: any Refiner], defaultRefiner: String,
        vocabularies: [String] = BuiltinVocabularies.names, defaultVocabularyName: String = "pascal-voc", font: Font? = nil,
        maxPixels: Int = Limits.defaultMaxPixels,
        maxRefinePixels: Int = Limits.defaultMaxRefinePixels, strict: Bool = false
    ) {
        self.engine = engine
        self.prompts = prompts
        self.refiners = refiners
        self.defaultRefiner = defaultRefiner
        self.vocabularies = vocabularies
        self.defaultVocabularyName = defaultVocabularyName
        self.font = font
        self.maxPixels = maxPixels
        self.maxRefinePixels = maxRefinePixels
        self.strict = strict
    }

    /// The vocabulary and prompt for `options`, made once per distinct set of options (up to 256 sets).
    public func prompt(for options: SegmentOptions) throws -> (vocabulary: Vocabulary, prompt: Prompt) {
        var key = options
        key.refine = nil
        if let cached = made.withLock({ $0[key] }) { return cached }
        if let vocab = options.vocab, !vocabularies.contains(vocab) {
            throw ServeError.badRequest("unknown vocabulary '\(vocab)'; GET /v1/vocabularies lists them")
        }
        if options.vocab != nil && options.classes != nil { throw ServeError.badRequest("give vocab or classes, not both") }
        let pair: (vocabulary: Vocabulary, prompt: Prompt)
        do {
            pair = try prompts(key)
        } catch let error as ServeError {
            throw error
        } catch {
            throw ServeError.badRequest("\(error)")
        }
        made.withLock { cache in
            if cache.count >= 256 { cache.removeAll() }
            cache[key] = pair
        }
        return pair
    }

    /// The refiner a request names, or the default.
    public func refiner(named name: String?) throws -> (name: String, refiner: any Refiner) {
        let name = name ?? defaultRefiner
        guard let refiner = refiners[name] else {
            throw ServeError.badRequest("unknown refine '\(name)'; one of: \(refiners.keys.sorted().joined(separator: ", "))")
        }
        return (name, refiner)
    }

    /// Decodes `data` (refusing it before decoding when it declares more than ``maxPixels``)
    /// and segments it as `text4seg label` would.
    public func segment(_ data: Data, options: SegmentOptions, name: String = "upload") async throws -> SegmentOutcome {
        let (vocabulary, prompt) = try prompt(for: options)
        let (refinerName, refiner) = try refiner(named: options.refine)
        let started = ContinuousClock.now
        let image: RGBImage
        do {
            image = try ImageIO.decodeImage(data, path: name, maxPixels: maxPixels)
        } catch {
            throw ServeError.badImage("\(error)")
        }
        var segmenter = Segmenter(engine: engine, vocabulary: vocabulary, prompt: prompt, refiner: refiner, strict: strict)
        segmenter.maxRefinePixels = maxRefinePixels
        let result: Segmentation
        do {
            result = try await segmenter.segment(itemID: name, image: image)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServeError.failed("\(error)")
        }
        var shares = ClassShare.shares(of: result.labelMap, vocabulary: vocabulary)
        if let scores = result.engineOutput.scores { shares = ClassShare.scored(shares, grid: result.grid, scores: scores) }
        let seconds = (ContinuousClock.now - started).seconds
        return SegmentOutcome(
            image: image, labelMap: result.labelMap, vocabulary: vocabulary, shares: shares, refiner: refinerName, seconds: seconds)
    }

    /// The overlay `text4seg label --overlay` writes, with its defaults.
    public func overlayPNG(_ outcome: SegmentOutcome) throws -> Data {
        let renderer = OverlayRenderer(vocabulary: outcome.vocabulary, font: font)
        return try PNGCodec.encodeRGB(renderer.render(outcome.labelMap, on: outcome.image))
    }
}
