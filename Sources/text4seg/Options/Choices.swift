import ArgumentParser
import Text4SegCore
import Text4SegEngines
import Text4SegModels
import Text4SegReports

/// A closed set of names that flags and config files both accept: parse-time errors,
/// help and completion from ArgumentParser, and one message for unknown names in YAML.
protocol NamedChoice: RawRepresentable, CaseIterable, ExpressibleByArgument, Codable, SettingChoice, Sendable where RawValue == String {
    /// What the choice is called in messages ("engine", "refiner").
    static var noun: String { get }
}

extension NamedChoice {
    init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown \(Self.noun) '\(name)'; available: \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
            )
        }
        self = value
    }
}

/// `--engine`: where the descriptors come from.
enum EngineKind: String, NamedChoice {
    /// EfficientNet-Lite0 + MiniLM on the CPU (weights from `models install`).
    case embedded
    /// A CLIP checkpoint (`models pull` or `--model-dir`), ClearCLIP, SCLIP or NACLIP, on the CPU.
    case clip
    /// A Text4Seg checkpoint behind an OpenAI-compatible server.
    case openai
    /// Descriptors from the ground truth: a ceiling.
    case oracle
    /// Recorded answers, `<id>.txt`.
    case replay

    static let noun = "engine"
}

/// `--refine`: how patch labels become a full-resolution map (README, "Refinement").
enum RefinerKind: String, NamedChoice {
    case auto, nearest, watershed, crf, guided, jbu, bilinear, mode, method, pamr
    static let noun = "refiner"
}

extension OpenAISettings.ImageFormat: ExpressibleByArgument {}
extension GridSampling: ExpressibleByArgument {}
extension Upsampling: ExpressibleByArgument {}
extension EvaluationProtocol: ExpressibleByArgument {}
extension DatasetLayout: ExpressibleByArgument {}
extension CLIPDenseMethod: ExpressibleByArgument {}
extension CLIPEngine.Background: ExpressibleByArgument {}
extension DescriptorFormat: ExpressibleByArgument {}
extension OverlayStyle: ExpressibleByArgument {}
extension OverlayPalette: ExpressibleByArgument {}
extension Vocabulary.ListOthers: ExpressibleByArgument {}
extension LabelMapFormat: ExpressibleByArgument {}
