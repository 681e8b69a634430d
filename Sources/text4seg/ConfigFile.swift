import Foundation
import Text4SegCore
import Text4SegEngines
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
///     refine: watershed
///     refine_options: {margin: 0.34, others_margin: 1.6}
struct ConfigFile: Decodable {
    var engine: EngineKind?
    var grid: Int?
    var view: Int?
    var sampling: GridSampling?
    var refine: RefinerKind?
    var refineOptions: RefineOptions?
    var templateSeed: UInt64?
    var replay: String?
    var strict: Bool?
    var baseURL: String?
    var model: String?
    var maxTokens: Int?
    var temperature: Double?
    var stop: [String]?
    var seed: Int?
    var imageFormat: OpenAISettings.ImageFormat?
    var jpegQuality: Int?
    var concurrency: Int?
    var timeout: Double?
    var connectTimeout: Double?
    var retries: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case engine, grid, view, sampling, refine, replay, strict, model, temperature, stop, seed, concurrency, timeout, retries
        case templateSeed = "template_seed"
        case refineOptions = "refine_options"
        case baseURL = "base_url"
        case maxTokens = "max_tokens"
        case imageFormat = "image_format"
        case jpegQuality = "jpeg_quality"
        case connectTimeout = "connect_timeout"
    }

    init() {}

    static func load(_ path: String) throws -> ConfigFile {
        let text: String
        do {
            text = try TextFile.read(path, limit: 16 << 20)
        } catch {
            throw ConfigError("cannot read config: \(error)")
        }
        // Unknown keys are mistakes worth naming, not silently ignoring.
        let root = try? Yams.compose(yaml: text)
        if let node = root, let mapping = node.mapping {
            try checkKeys(mapping, known: CodingKeys.allCases.map(\.stringValue), path: path)
            if let options = mapping["refine_options"]?.mapping {
                try checkKeys(options, known: RefineOptions.CodingKeys.allCases.map(\.stringValue), path: path)
            }
        }
        do {
            return try YAMLDecoder().decode(ConfigFile.self, from: text)
        } catch let error as YamlError {
            let (mark, problem) = VocabularyLoader.describe(error)
            throw ConfigError("\(path):\(mark?.description ?? "1:1"): malformed YAML: \(problem)")
        } catch let error as DecodingError {
            // Say where in the file, and what, instead of DecodingError's own wording.
            let (codingPath, problem): ([CodingKey], String) = {
                switch error {
                case let .dataCorrupted(c): return (c.codingPath, c.debugDescription)
                case let .typeMismatch(type, c): return (c.codingPath, "expected \(ConfigFile.describe(type))")
                case let .valueNotFound(type, c): return (c.codingPath, "expected \(ConfigFile.describe(type))")
                case let .keyNotFound(key, c): return (c.codingPath, "missing key '\(key.stringValue)'")
                @unknown default: return ([], "\(error)")
                }
            }()
            var node = root
            for key in codingPath { node = key.intValue.map { node?.sequence?[$0] } ?? node?.mapping?[key.stringValue] }
            let mark = node?.mark.map { "\($0.line):\($0.column)" } ?? "1:1"
            let key = codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigError("\(path):\(mark): \(key.isEmpty ? "" : key + ": ")\(problem)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int?.Type, is UInt64.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "text"
        default: return "\(type)"
        }
    }
}

private func checkKeys(_ mapping: Node.Mapping, known: [String], path: String) throws {
    let known = Set(known)
    for key in mapping.keys where !known.contains(key.string ?? "") {
        let mark = key.mark.map { "\($0.line):\($0.column)" } ?? "1:1"
        let hint = (key.string ?? "").lowercased().contains("key") ? " (API keys come from TEXT4SEG_API_KEY, never from files)" : ""
        throw ConfigError(
            "\(path):\(mark): unknown key '\(key.string ?? "?")'\(hint) (expected one of: \(known.sorted().joined(separator: ", ")))")
    }
}

/// `refine_options:` in a config: the refiners' settings, each overridden by its flag.
struct RefineOptions: Decodable {
    var radius: Int?
    var eps: Float?
    var upsample: Upsampling?
    var sigmaSpace: Float?
    var sigmaColor: Float?
    var crfIterations: Int?
    var crfSXY: Float?
    var crfSRGB: Float?
    var crfCompat: Float?
    var crfGtProb: Float?
    var margin: Float?
    var othersMargin: Float?
    var sigma: Float?
    var colourWeight: Float?
    var lightness: Float?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case radius, eps, upsample, margin, sigma, lightness
        case sigmaSpace = "sigma_space"
        case sigmaColor = "sigma_color"
        case crfIterations = "crf_iterations"
        case crfSXY = "crf_sxy"
        case crfSRGB = "crf_srgb"
        case crfCompat = "crf_compat"
        case crfGtProb = "crf_gt_prob"
        case othersMargin = "others_margin"
        case colourWeight = "colour_weight"
    }
}

struct ConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
