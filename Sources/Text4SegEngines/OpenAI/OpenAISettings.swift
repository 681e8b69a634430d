import Foundation

/// How the `openai` engine talks to a server.
public struct OpenAISettings: Sendable {
    public enum ImageFormat: String, Sendable, CaseIterable {
        case png, jpeg
    }

    /// The API root, e.g. `http://127.0.0.1:8000/v1`; requests go to `<baseURL>/chat/completions`.
    public var baseURL: String
    public var model: String
    /// Sent as a bearer token; never printed, logged or written anywhere.
    public var apiKey: String?
    public var maxTokens: Int
    public var temperature: Double
    public var stop: [String]?
    public var seed: Int?
    public var imageFormat: ImageFormat
    public var jpegQuality: Int
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Seconds one request may take, answer included.
    public var requestTimeout: Double
    public var retry: RetryPolicy
    /// Keep each raw answer here as `<id>.txt` (replayable) and `<id>.json`.
    public var saveResponses: String?
    /// Connections kept open to the server (at least the number of requests in flight).
    public var connections: Int
    /// Told once per engine, at once, when the server refuses a connection and the request is retried.
    public var notice: (@Sendable (String) -> Void)?

    public init(
        baseURL: String = "http://127.0.0.1:8000/v1", model: String = "text4seg-llava-7b-p24",
        apiKey: String? = OpenAISettings.environmentKey(),
        maxTokens: Int = 3069, temperature: Double = 0, stop: [String]? = nil, seed: Int? = nil,
        imageFormat: ImageFormat = .png, jpegQuality: Int = 95, connectTimeout: Double = 10, requestTimeout: Double = 600,
        retry: RetryPolicy = RetryPolicy(), saveResponses: String? = nil, connections: Int = 8
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.stop = stop
        self.seed = seed
        self.imageFormat = imageFormat
        self.jpegQuality = jpegQuality
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.saveResponses = saveResponses
        self.connections = connections
    }

    /// `TEXT4SEG_API_KEY`, else `OPENAI_API_KEY`, else `nil`.
    public static func environmentKey(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        for name in ["TEXT4SEG_API_KEY", "OPENAI_API_KEY"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        return nil
    }
}
