import Text4SegCore

/// Why the OpenAI-compatible engine could not get an answer.
public enum OpenAIError: Error, CustomStringConvertible, Sendable {
    case badBaseURL(String, reason: String)
    case badRequest(status: Int, message: String)
    case unauthorized(status: Int, message: String, keySet: Bool)
    case notFound(url: String, model: String, message: String)
    /// `refused`: the last attempt found no server listening (ECONNREFUSED).
    case gaveUp(attempts: Int, last: String, refused: Bool)
    case badResponse(String)

    public var description: String {
        switch self {
        case let .badBaseURL(url, reason):
            return "bad --base-url '\(Excerpt.quote(url, limit: 200))': \(reason)"
        case let .badRequest(status, message):
            return "the server rejected the request (\(status)): \(message)"
        case let .unauthorized(status, message, keySet):
            return "authentication failed (\(status)): \(message). "
                + (keySet
                    ? "Check the key in TEXT4SEG_API_KEY (or OPENAI_API_KEY)."
                    : "No key is set: export TEXT4SEG_API_KEY (or OPENAI_API_KEY).")
        case let .notFound(url, model, message):
            return
                "not found (404) at \(url): \(message). Check --base-url (it usually ends in /v1) and --model '\(model)' (the "
                + "server's /v1/models lists the names)."
        case let .gaveUp(attempts, last, _):
            return "gave up after \(attempts) attempts: \(last)"
        case let .badResponse(reason):
            return "unusable response: \(reason)"
        }
    }
}

extension OpenAIError: ConfigurationFailure {
    /// A wrong key, URL or model, or no server at the address: every request would fail alike.
    public var isConfigurationFailure: Bool {
        switch self {
        case .badBaseURL, .unauthorized, .notFound: return true
        case let .gaveUp(_, _, refused): return refused
        case .badRequest, .badResponse: return false
        }
    }

    public var configurationMessage: String { description }
}
