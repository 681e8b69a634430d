import ArgumentParser
import Text4SegEngines

/// Flags for the OpenAI-compatible engine.
struct ServerOptions: ParsableArguments {
    @Option(help: "API root of the server, e.g. http://127.0.0.1:8000/v1.")
    var baseURL: String?

    @Option(help: "Model name as the server knows it.")
    var model: String?

    @Option(help: "Items in flight at once, 1–1024 (default: the number of CPU cores for offline engines, 8 for openai).")
    var concurrency: Int?

    @Option(help: "max_tokens of each request (default: 3069).")
    var maxTokens: Int?

    @Option(help: "Sampling temperature (default: 0, greedy).")
    var temperature: Double?

    @Option(help: "Stop sequence (repeatable).")
    var stop: [String] = []

    @Option(help: "Seed sent with each request.")
    var seed: Int?

    @Option(help: "How the view is sent: png or jpeg. (default: png)")
    var imageFormat: OpenAISettings.ImageFormat?

    @Option(help: "JPEG quality, with --image-format jpeg (default: 95).")
    var jpegQuality: Int?

    @Option(help: "Seconds one request may take, the whole answer included (default: 600).")
    var timeout: Double?

    @Option(help: "Seconds to connect (default: 10).")
    var connectTimeout: Double?

    @Option(help: "Retries after connection errors and 408/429/5xx, 0–100 (default: 6).")
    var retries: Int?

    @Option(help: "Keep each raw answer here (<id>.txt for --engine replay, <id>.json as received).")
    var saveResponses: String?

    func validate() throws {
        if let concurrency { try checkRange(concurrency, 1...1024, "--concurrency") }
        if let maxTokens { try checkRange(maxTokens, 1...1_000_000, "--max-tokens") }
        if let temperature { try checkRange(temperature, 0...100, "--temperature") }
        if let timeout { try checkRange(timeout, 0.001...86_400, "--timeout") }
        if let connectTimeout { try checkRange(connectTimeout, 0.001...3_600, "--connect-timeout") }
        if let retries { try checkRange(retries, 0...100, "--retries") }
        if let jpegQuality { try checkRange(jpegQuality, 1...100, "--jpeg-quality") }
    }

    func settings(_ file: ConfigFile) throws -> OpenAISettings {
        var s = OpenAISettings()
        s.baseURL = baseURL ?? file.baseURL ?? s.baseURL
        s.model = model ?? file.model ?? s.model
        s.maxTokens = maxTokens ?? file.maxTokens ?? s.maxTokens
        s.temperature = temperature ?? file.temperature ?? s.temperature
        s.stop = stop.isEmpty ? file.stop : stop
        s.seed = seed ?? file.seed
        if let format = imageFormat ?? file.imageFormat { s.imageFormat = format }
        s.jpegQuality = jpegQuality ?? file.jpegQuality ?? s.jpegQuality
        s.requestTimeout = timeout ?? file.timeout ?? s.requestTimeout
        s.connectTimeout = connectTimeout ?? file.connectTimeout ?? s.connectTimeout
        s.retry.maximumRetries = retries ?? file.retries ?? s.retry.maximumRetries
        s.saveResponses = saveResponses ?? file.saveResponses
        s.connections = concurrency ?? file.concurrency ?? 8
        guard s.maxTokens > 0, s.requestTimeout > 0, s.connectTimeout > 0, (0...100).contains(s.retry.maximumRetries),
            (1...100).contains(s.jpegQuality),
            (1...1024).contains(s.connections)
        else {
            throw ConfigError(
                "max_tokens, timeout and connect_timeout must be positive, retries 0–100, jpeg_quality 1–100, concurrency 1–1024")
        }
        return s
    }
}
