import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegModels
import Text4SegServer
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
///     watershed: {margin: 0.34, others_margin: 1.6}
///
/// Each tunable refiner and the embedded engine has a section named after it, whose keys
/// are its settings (``SettingsSection``); flags override them one by one.
struct ConfigFile: Decodable {
    var evaluationProtocol: EvaluationProtocol?
    var reduceZeroLabel: Bool?
    var datasetFormat: DatasetLayout?
    var labelsSuffix: String?
    /// The settings sections present, by section name; a top-level section's keys stand at the top of the file.
    var sections: [String: ConfigSection] = [:]

    /// The types whose settings are a section of their own (`watershed: {margin: 0.34}`).
    static let sectionTypes: [any SettingsSection.Type] = [
        WatershedRefiner.self, DenseCRFRefiner.self, GuidedFilterRefiner.self, JointBilateralRefiner.self, ModeFilterRefiner.self,
        EmbeddedEngine.Settings.self, CLIPEngine.Settings.self,
    ]

    /// The types whose keys stand at the top of the file (`grid: 24`, `base_url: …`, `max_pixels: …`).
    static let topLevelTypes: [any SettingsSection.Type] = [
        PipelineSettings.self, ServerSettings.self, LimitSettings.self, ServeSettings.self,
    ]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case evaluationProtocol = "protocol"
        case reduceZeroLabel = "reduce_zero_label"
        case datasetFormat = "dataset_format"
        case labelsSuffix = "labels_suffix"
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
        var sections: [String: ConfigSection] = [:]
        if let node = root, let mapping = node.mapping {
            if let legacy = mapping.first(where: { $0.key.string == "refine_options" }) {
                throw ConfigError(
                    "\(path):\(place(legacy.key)): refine_options was replaced by one section per refiner, named after it, "
                        + "e.g. 'watershed: {margin: 0.34}' or 'crf: {iterations: 5}' (keys: text4seg eval run --help-hidden)")
            }
            // Every problem of the file is reported at once, in the order of the file.
            var problems: [(line: Int, message: String)] = []
            func collect(_ work: () throws -> Void) {
                do { try work() } catch let error as ConfigError { problems += error.problems } catch {
                    problems.append((0, "\(path): \(error)"))
                }
            }
            let sectionNames = sectionTypes.map { $0.section }
            let topLevelKeys = topLevelTypes.flatMap { keys(of: $0) }
            collect { try checkKeys(mapping, known: CodingKeys.allCases.map(\.stringValue) + sectionNames + topLevelKeys, path: path) }
            for type in sectionTypes {
                guard let node = mapping[type.section] else { continue }
                collect {
                    let section = try ConfigSection(node, name: type.section, path: path)
                    try section.check(type)
                    sections[type.section] = section
                }
            }
            for type in topLevelTypes {
                let keys = Set(keys(of: type))
                collect {
                    let section = try ConfigSection(mapping.filter { keys.contains($0.key.string ?? "") }, name: type.section, path: path)
                    try section.check(type)
                    sections[type.section] = section
                }
            }
            if !problems.isEmpty { throw ConfigError(problems: problems.sorted { $0.line < $1.line }) }
        }
        do {
            var file = try YAMLDecoder().decode(ConfigFile.self, from: text)
            file.sections = sections
            return file
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

    /// The keys of a settings type, in config spelling.
    static func keys(of type: any SettingsSection.Type) -> [String] {
        func open<S: SettingsSection>(_ type: S.Type) -> [String] { S.defaults.keys }
        return open(type)
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

extension ConfigFile {
    /// `settings` with this file's section for its type laid over it.
    func overlay<S: SettingsSection>(_ settings: S) throws -> S {
        try sections[S.section]?.overlay(settings) ?? settings
    }
}

/// One settings section of a config file: its values and where each stands.
struct ConfigSection {
    var values: [String: SettingValue] = [:]
    /// Where each value stands (`file:line:column`), for messages about the value.
    var locations: [String: String] = [:]
    /// Where each key stands, for messages about the key.
    var keyLocations: [String: String] = [:]

    init(_ node: Node, name: String, path: String) throws {
        guard let mapping = node.mapping else {
            throw ConfigError("\(path):\(place(node)): \(name): expected a mapping of settings, e.g. '\(name): {key: value}'")
        }
        try self.init(Array(mapping), name: name, path: path)
    }

    /// The section made of these key-value pairs (a top-level section's keys, picked from the whole file).
    init<S: Sequence>(_ pairs: S, name: String, path: String) throws where S.Element == (key: Node, value: Node) {
        for (keyNode, value) in pairs {
            guard let key = keyNode.string else { throw ConfigError("\(path):\(place(value)): \(name): keys are names") }
            if let scalar = value.scalar {
                values[key] = SettingValue(scalar: scalar.string)
            } else if let items = value.sequence, items.allSatisfy({ $0.scalar != nil }) {
                values[key] = .list(items.compactMap { $0.scalar?.string })
            } else {
                throw ConfigError("\(path):\(place(value)): \(key): expected a single value or a list of values")
            }
            locations[key] = "\(path):\(place(value))"
            keyLocations[key] = "\(path):\(place(keyNode))"
        }
    }

    /// `settings` with these values laid over it and range-checked; errors name the file, line and column.
    func overlay<S: SettingsSection>(_ settings: S) throws -> S {
        do {
            return try settings.applying(values, location: locations)
        } catch var error as SettingsError {
            if case .unknownKey = error.problem { error.location = keyLocations[error.key] ?? error.location }
            let line = error.location.flatMap { $0.split(separator: ":").dropLast().last.flatMap { Int($0) } } ?? 0
            throw ConfigError(problems: [(line, error.description)])
        }
    }

    /// Checks keys, types and ranges against the defaults of `type`, for sections of refiners not in use too;
    /// each key on its own, so that every bad value of the section is reported.
    func check(_ type: any SettingsSection.Type) throws {
        func open<S: SettingsSection>(_ type: S.Type) throws {
            var problems: [(line: Int, message: String)] = []
            for key in values.keys.sorted() {
                var one = self
                one.values = [key: values[key]!]
                do { _ = try one.overlay(S.defaults) } catch let error as ConfigError { problems += error.problems }
            }
            if !problems.isEmpty { throw ConfigError(problems: problems) }
        }
        try open(type)
    }
}

/// `line:column` of a node, for messages.
private func place(_ node: Node) -> String { node.mark.map { "\($0.line):\($0.column)" } ?? "1:1" }

private func checkKeys(_ mapping: Node.Mapping, known: [String], path: String) throws {
    let known = Set(known)
    var problems: [(line: Int, message: String)] = []
    for key in mapping.keys where !known.contains(key.string ?? "") {
        let mark = key.mark.map { "\($0.line):\($0.column)" } ?? "1:1"
        let name = key.string ?? "?"
        let hint = name.lowercased().contains("key") ? " (API keys come from TEXT4SEG_API_KEY, never from files)" : ""
        problems.append(
            (
                key.mark?.line ?? 0,
                "\(path):\(mark): unknown key '\(name)'\(hint).\(Suggestion.hint(for: name, among: Array(known))) "
                    + "Expected one of: \(known.sorted().joined(separator: ", "))"
            ))
    }
    if !problems.isEmpty { throw ConfigError(problems: problems) }
}

/// What is wrong with a config file: one or more messages, each naming its `file:line:column`.
struct ConfigError: Error, CustomStringConvertible {
    /// Each problem and the line it is on (0 when unknown), for ordering.
    var problems: [(line: Int, message: String)]

    init(_ description: String) { problems = [(0, description)] }
    init(problems: [(line: Int, message: String)]) { self.problems = problems }

    /// The messages, one a line; the lines after the first are prefixed `error: ` as the first is when printed.
    var description: String { problems.map(\.message).joined(separator: "\nerror: ") }
}
