import Text4SegCore

/// How the `openai` engine talks to its server, as config files and flags give it: top-level
/// keys (`base_url: …`, `max_tokens: 3069`) and flags of the same names (`--base-url`), every
/// range checked here and nowhere else. ``OpenAISettings`` adds what is not a setting (the API
/// key from the environment, the connection count, a notice hook).
///
///     let server = try ServerSettings.defaults.applying(["timeout": .number(120)])
///     let settings = OpenAISettings(server, connections: 8)
public struct ServerSettings: SettingsSection, Equatable {
    public static let section = "server"
    public static let isTopLevel = true
    public static let defaults = ServerSettings()

    /// The API root, e.g. `http://127.0.0.1:8000/v1`.
    public var baseURL = "http://127.0.0.1:8000/v1"
    /// The model name as the server knows it.
    public var model = "text4seg-llava-7b-p24"
    /// `max_tokens` of each request.
    public var maxTokens = 3069
    /// Sampling temperature; 0 is greedy.
    public var temperature = 0.0
    /// Stop sequences.
    public var stop: [String]?
    /// Seed sent with each request.
    public var seed: Int?
    /// How the view is sent.
    public var imageFormat = OpenAISettings.ImageFormat.png
    /// JPEG quality, with `image_format: jpeg`.
    public var jpegQuality = 95
    /// Seconds one request may take, the whole answer included.
    public var timeout = 600.0
    /// Seconds to connect.
    public var connectTimeout = 10.0
    /// Retries after connection errors and 408/429/5xx.
    public var retries = 6
    /// Keep each raw answer here (`<id>.txt`, replayable, and `<id>.json` as received).
    public var saveResponses: String?

    public init() {}

    public func validate() throws {
        try check(maxTokens, 1...1_000_000, "maxTokens")
        try check(temperature, 0...100, "temperature")
        try check(jpegQuality, 1...100, "jpegQuality")
        try check(timeout, 0.001...86_400, "timeout")
        try check(connectTimeout, 0.001...3_600, "connectTimeout")
        try check(retries, 0...100, "retries")
        if let seed { try check(seed, -999_999_999_999_999...999_999_999_999_999, "seed") }
    }
}

extension OpenAISettings.ImageFormat: SettingChoice, Codable {}

extension OpenAISettings {
    /// The engine's settings from `server`'s; `connections` is the number of requests in flight.
    public init(_ server: ServerSettings, connections: Int, apiKey: String? = OpenAISettings.environmentKey()) {
        self.init(
            baseURL: server.baseURL, model: server.model, apiKey: apiKey, maxTokens: server.maxTokens, temperature: server.temperature,
            stop: server.stop, seed: server.seed, imageFormat: server.imageFormat, jpegQuality: server.jpegQuality,
            connectTimeout: server.connectTimeout, requestTimeout: server.timeout, retry: RetryPolicy(maximumRetries: server.retries),
            saveResponses: server.saveResponses, connections: connections)
    }
}
