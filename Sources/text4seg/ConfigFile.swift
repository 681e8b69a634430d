import Foundation
import Text4SegCore
import Yams

/// A config YAML (see `Configs/`): defaults for the pipeline and the engine,
/// overridden by command-line flags. The API key is never read from here,
/// only from the environment.
///
///     engine: openai
///     base_url: http://127.0.0.1:8000/v1
///     model: text4seg-llava-7b-p24
///     grid: 24
///     view: 336
struct ConfigFile: Decodable {
    var engine: String?
    var grid: Int?
    var view: Int?
    var sampling: GridSampling?
    var refine: String?
    var templateSeed: UInt64?
    var replay: String?
    var strict: Bool?
    var baseURL: String?
    var model: String?
    var maxTokens: Int?
    var temperature: Double?
    var stop: [String]?
    var seed: Int?
    var imageFormat: String?
    var jpegQuality: Int?
    var concurrency: Int?
    var timeout: Double?
    var connectTimeout: Double?
    var retries: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case engine, grid, view, sampling, refine, replay, strict, model, temperature, stop, seed, concurrency, timeout, retries
        case templateSeed = "template_seed"
        case baseURL = "base_url"
        case maxTokens = "max_tokens"
        case imageFormat = "image_format"
        case jpegQuality = "jpeg_quality"
        case connectTimeout = "connect_timeout"
    }

    init() {}

    static func load(_ path: String) throws -> ConfigFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read config \(path)")
        }
        // Unknown keys are mistakes worth naming, not silently ignoring.
        if let node = try? Yams.compose(yaml: text), let mapping = node.mapping {
            let known = Set(CodingKeys.allCases.map(\.stringValue))
            for key in mapping.keys where !known.contains(key.string ?? "") {
                let mark = key.mark.map { "\($0.line):\($0.column)" } ?? "1:1"
                let hint = (key.string ?? "").lowercased().contains("key") ? " (API keys come from TEXT4SEG_API_KEY, never from files)" : ""
                throw ConfigError("\(path):\(mark): unknown key '\(key.string ?? "?")'\(hint) (expected one of: \(known.sorted().joined(separator: ", ")))")
            }
        }
        do {
            return try YAMLDecoder().decode(ConfigFile.self, from: text)
        } catch let error as YamlError {
            let (mark, problem) = VocabularyLoader.describe(error)
            throw ConfigError("\(path):\(mark?.description ?? "1:1"): malformed YAML: \(problem)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }
}

struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
