import Foundation

/// What to ask the engine for.
public enum PromptTask: Sendable, Hashable {
    /// Open-vocabulary segmentation over the vocabulary's classes (QUESTION_CONDITION).
    case condition
    /// Label the whole image without a class list (QUESTION_ALL).
    case all
    /// Referring segmentation of one expression (QUESTION_PARTIAL).
    case partial(String)
}

/// The conversation templates a raw prompt can be rendered in.
public enum ConversationTemplate: String, Sendable, CaseIterable {
    /// Text4Seg's OVSS evaluation: its own system text.
    case vicunaV1 = "vicuna_v1"
    /// LLaVA's standard system text (Text4Seg's `run_llava.py`).
    case llavaV1 = "llava_v1"

    var system: String {
        switch self {
        case .vicunaV1: return PromptTemplates.vicunaSystem
        case .llavaV1: return PromptTemplates.llavaSystem
        }
    }
}

/// A built question plus how the image should be shown to the engine.
public struct Prompt: Sendable, Hashable {
    public var question: String
    public var task: PromptTask
    /// The image is stretched to `viewSize × viewSize` (336 for LLaVA-1.5 checkpoints).
    public var viewSize: Int
    /// The descriptor grid is `grid × grid`.
    public var grid: Int

    /// The raw conversation string a LLaVA-style model sees (`<image>` marks the image tokens).
    public func conversation(_ template: ConversationTemplate) -> String {
        "\(template.system) USER: <image>\n\(question) ASSISTANT:"
    }

    /// The one user message an OpenAI-compatible request holds: the question, then the image.
    public func chatMessage(imageURL: String) -> ChatMessage {
        ChatMessage(role: "user", content: [.text(question), .image(url: imageURL)])
    }

    /// The `messages` array as pretty-printed JSON with stable key order.
    public func chatMessagesJSON(imageURL: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode([chatMessage(imageURL: imageURL)]), as: UTF8.self)
    }
}
