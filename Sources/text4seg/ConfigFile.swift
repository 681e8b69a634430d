import Foundation
import Text4SegCore
import Yams

/// A config YAML: defaults for the pipeline, overridden by command-line flags.
///
///     engine: oracle
///     grid: 24
///     view: 336
///     sampling: nearest
///     refine: nearest
struct ConfigFile: Decodable {
    var engine: String?
    var grid: Int?
    var view: Int?
    var sampling: GridSampling?
    var refine: String?
    var templateSeed: UInt64?
    var replay: String?
    var strict: Bool?

    enum CodingKeys: String, CodingKey {
        case engine, grid, view, sampling, refine, replay, strict
        case templateSeed = "template_seed"
    }

    init() {}

    static func load(_ path: String) throws -> ConfigFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read config \(path)")
        }
        // Unknown keys are mistakes worth naming, not silently ignoring.
        if let node = try? Yams.compose(yaml: text), let mapping = node.mapping {
            let known = Set(["engine", "grid", "view", "sampling", "refine", "replay", "strict", "template_seed"])
            for key in mapping.keys where !known.contains(key.string ?? "") {
                let mark = key.mark.map { "\($0.line):\($0.column)" } ?? "1:1"
                throw ConfigError("\(path):\(mark): unknown key '\(key.string ?? "?")' (expected one of: \(known.sorted().joined(separator: ", ")))")
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
