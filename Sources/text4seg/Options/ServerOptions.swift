import ArgumentParser
import Text4SegEngines

/// Flags for the OpenAI-compatible engine: each property is a ``ServerSettings`` key, so the
/// flags reach the settings, and are range-checked, by the same code as the config file's keys.
struct ServerOptions: SettingsFlags {
    typealias Settings = ServerSettings

    @Option(help: "API root of the server. (default: \(Settings.defaults.baseURL))")
    var baseURL: String?

    @Option(help: "Model name as the server knows it. (default: \(Settings.defaults.model))")
    var model: String?

    @Option(help: "max_tokens of each request, 1–1000000. (default: \(Settings.defaults.maxTokens))")
    var maxTokens: Int?

    @Option(help: "Sampling temperature, 0–100; 0 is greedy. (default: \(Settings.defaults.temperature.settingValue))")
    var temperature: Double?

    @Option(help: "Stop sequence (repeatable).")
    var stop: [String] = []

    @Option(help: "Seed sent with each request.")
    var seed: Int?

    @Option(help: "How the view is sent: png or jpeg. (default: \(Settings.defaults.imageFormat.rawValue))")
    var imageFormat: OpenAISettings.ImageFormat?

    @Option(help: "JPEG quality, 1–100, with --image-format jpeg. (default: \(Settings.defaults.jpegQuality))")
    var jpegQuality: Int?

    @Option(
        help: "Seconds one request may take, the whole answer included. (default: \(Settings.defaults.timeout.settingValue))")
    var timeout: Double?

    @Option(help: "Seconds to connect. (default: \(Settings.defaults.connectTimeout.settingValue))")
    var connectTimeout: Double?

    @Option(help: "Retries after connection errors and 408/429/5xx, 0–100. (default: \(Settings.defaults.retries))")
    var retries: Int?

    @Option(help: "Keep each raw answer here (<id>.txt for --engine replay, <id>.json as received).")
    var saveResponses: String?
}
