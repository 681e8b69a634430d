import Foundation
import Text4SegCore

/// The body of `POST /v1/chat/completions` as text4seg sends it.
struct ChatCompletionRequest: Encodable {
    var model: String
    var messages: [ChatMessage]
    var maxTokens: Int
    var temperature: Double
    var stop: [String]?
    var seed: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stop, seed
        case maxTokens = "max_tokens"
    }
}

/// The parts of a chat completion answer that text4seg reads.
package struct ChatCompletionResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable {
            var content: Content?
        }
        var message: Message?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    /// Servers send `content` as a string, or as a list of typed parts.
    enum Content: Decodable {
        case text(String)
        case parts([String])

        struct Part: Decodable { var text: String? }

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .parts(try container.decode([Part].self).compactMap(\.text))
            }
        }

        var text: String {
            switch self {
            case let .text(text): return text
            case let .parts(parts): return parts.joined()
            }
        }
    }

    struct Usage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
    }

    var choices: [Choice]
    var usage: Usage?
}

/// Pulls a human-readable message out of an error body (OpenAI, vLLM, SGLang and llama.cpp shapes).
/// The message is an excerpt (at most 300 characters, control bytes escaped): it is printed and stored.
package func serverMessage(_ body: Data) -> String {
    if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
        let message =
            (object["error"] as? [String: Any])?["message"] as? String
            ?? object["error"] as? String ?? object["message"] as? String ?? object["detail"] as? String
        if let message { return Excerpt.quote(message, limit: 300) }
    }
    let text = String(decoding: body.prefix(1200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "(empty body)" : Excerpt.quote(text, limit: 300)
}
