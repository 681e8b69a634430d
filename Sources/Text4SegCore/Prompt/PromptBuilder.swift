import Foundation

/// Builds the question a Text4Seg checkpoint expects.
///
/// The template is the first of its list unless a seed is given, in which
/// case it is drawn with a fixed generator, so a seed always gives the same prompt.
///
///     let prompt = PromptBuilder(vocabulary: voc).build(.condition)
///     prompt.question   // "Please segment the image based on the category: others|aeroplane|…|TV."
public struct PromptBuilder: Sendable {
    public var vocabulary: Vocabulary
    public var templateSeed: UInt64?
    public var viewSize: Int
    /// LLaVA-1.5's view side: Text4Seg checkpoints see the image stretched to 336×336.
    public static let defaultViewSize = 336
    public var grid: Int

    public init(vocabulary: Vocabulary, templateSeed: UInt64? = nil, viewSize: Int = PromptBuilder.defaultViewSize, grid: Int = 24) {
        self.vocabulary = vocabulary
        self.templateSeed = templateSeed
        self.viewSize = viewSize
        self.grid = grid
    }

    public func build(_ task: PromptTask = .condition) -> Prompt {
        let question: String
        switch task {
        case .condition:
            question = pick(PromptTemplates.questionCondition, salt: 1)
                .replacingOccurrences(of: PromptTemplates.placeholder, with: vocabulary.promptNames.joined(separator: "|"))
        case .all:
            question = pick(PromptTemplates.questionAll, salt: 2)
        case let .partial(expression):
            question = pick(PromptTemplates.questionPartial, salt: 3)
                .replacingOccurrences(of: PromptTemplates.placeholder, with: expression)
        }
        return Prompt(question: question, task: task, viewSize: viewSize, grid: grid)
    }

    func pick(_ templates: [String], salt: UInt64) -> String {
        guard let seed = templateSeed else { return templates[0] }
        var generator = SplitMix64(seed: seed &+ salt)
        return templates[Int(generator.next() % UInt64(templates.count))]
    }
}

/// A small, fixed pseudo-random generator (SplitMix64), so draws are the same on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
