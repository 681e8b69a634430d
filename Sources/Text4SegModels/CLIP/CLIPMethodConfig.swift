import Foundation
import Text4SegCore
import Yams

/// A dense CLIP method's inference settings per dataset, as its authors' repository ships them
/// (`Configs/clip/<method>.yaml`, written by `scripts/clip_method_configs.py` from the
/// repository's own files and compiled into the library).
public struct CLIPMethodConfig: Sendable {
    /// One dataset's settings; a value the dataset's config does not set is the method's default.
    public struct Dataset: Sendable, Equatable {
        /// The config file it came from (`configs/cfg_voc21.py`).
        public var source: String
        /// Whether class line 0 is the others class (VOC-21, Context-60, COCO-Object).
        public var background: Bool
        /// The names of each class line, in the dataset's class order.
        public var queries: [[String]]
        /// The short side of `Resize(scale=(2048, S), keep_ratio=True)`.
        public var shortSide: Int
        /// The sliding window's side; 0: the whole image at once.
        public var window: Int
        public var stride: Int
        public var logitScale: Float
        /// Pixels whose best class probability is under this become class line 0 (`prob_thd`).
        public var threshold: Float
        /// SCLIP's `area_thd`: a class (other than line 0) keeping at most this share of the
        /// pixels of classes other than line 0 is dropped; `nil`: none.
        public var areaThreshold: Float?
        /// PAMR iterations on the logits at the original size (0: none), and its dilations.
        public var pamrSteps: Int
        public var pamrDilations: [Int]
        /// ClearCLIP pads each window to a multiple of the patch; the others drop the remainder.
        public var padWindows: Bool
        /// Whole-image inference: logits go from the patch grid straight to the original size
        /// (ClearCLIP, SCLIP), or through the resized image's size first (NACLIP).
        public var wholeLogitsAtOriginal: Bool
        /// NACLIP divides the class probabilities by their sum after deciding (scores only).
        public var renormalize: Bool
        /// NACLIP's Gaussian neighbourhood, in patches.
        public var gaussianStd: Float
    }

    public var method: CLIPDenseMethod
    /// The repository and commit the values were read from.
    public var repository: String, commit: String
    /// Datasets by the key of their config file (`voc21`, `context59`, `coco_stuff164k`, `cityscapes`…).
    public var datasets: [String: Dataset]
    /// Settings for a vocabulary that matches none of the datasets: the defaults, with the
    /// short side of the method's VOC-21 config.
    public var defaults: Dataset

    /// The built-in config of `method`, read once.
    public static func builtin(_ method: CLIPDenseMethod) -> CLIPMethodConfig { builtins[method]! }

    /// The files are part of the build, checked by CLIPMethodConfigTests; a broken one is a build defect.
    private static let builtins: [CLIPDenseMethod: CLIPMethodConfig] = Dictionary(
        uniqueKeysWithValues: CLIPDenseMethod.allCases.map { method in
            guard let text = EmbeddedCLIPConfigs.files[method.rawValue], let config = try? CLIPMethodConfig(yaml: text) else {
                preconditionFailure("Configs/clip/\(method.rawValue).yaml is missing or invalid")
            }
            return (method, config)
        })

    /// Reads a method's YAML file.
    public init(yaml text: String) throws {
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { throw CLIPMethodConfigError.invalid("not a mapping") }
        guard let name = root["method"] as? String, let method = CLIPDenseMethod(rawValue: name) else {
            throw CLIPMethodConfigError.invalid("`method` must be one of \(CLIPDenseMethod.allCases.map(\.rawValue))")
        }
        self.method = method
        repository = root["repository"] as? String ?? ""
        commit = root["commit"] as? String ?? ""
        guard let base = root["defaults"] as? [String: Any] else { throw CLIPMethodConfigError.invalid("no `defaults`") }
        guard let sets = root["datasets"] as? [String: Any] else { throw CLIPMethodConfigError.invalid("no `datasets`") }
        var datasets: [String: Dataset] = [:]
        for (key, value) in sets {
            guard let values = value as? [String: Any] else { throw CLIPMethodConfigError.invalid("dataset \(key) is not a mapping") }
            datasets[key] = try Self.dataset(key, values, base: base)
        }
        self.datasets = datasets
        var defaults = try Self.dataset("defaults", ["classes": [[String]](), "short_side": 0], base: base)
        defaults.shortSide = datasets["voc21"]?.shortSide ?? 336
        defaults.source = "defaults"
        self.defaults = defaults
    }

    private static func dataset(_ key: String, _ values: [String: Any], base: [String: Any]) throws -> Dataset {
        func value(_ name: String) -> Any? { values[name] ?? base[name] }
        func number(_ name: String, _ range: ClosedRange<Double>) throws -> Double {
            guard let raw = value(name), let number = (raw as? Double) ?? (raw as? Int).map(Double.init), range.contains(number) else {
                throw CLIPMethodConfigError.invalid("\(key).\(name) must be a number in \(range)")
            }
            return number
        }
        func flag(_ name: String) throws -> Bool {
            guard let flag = value(name) as? Bool else { throw CLIPMethodConfigError.invalid("\(key).\(name) must be true or false") }
            return flag
        }
        guard let classes = values["classes"] as? [[String]] else {
            throw CLIPMethodConfigError.invalid("\(key).classes must be a list of lists of names")
        }
        let dilations = value("pamr_dilations") as? [Int] ?? [8, 16]
        guard !dilations.isEmpty, dilations.allSatisfy({ (1...256).contains($0) }) else {
            throw CLIPMethodConfigError.invalid("\(key).pamr_dilations must be 1…256")
        }
        let area = value("area_threshold")
        let whole = value("whole_logits_at") as? String ?? "original"
        guard whole == "original" || whole == "resized" else {
            throw CLIPMethodConfigError.invalid("\(key).whole_logits_at must be original or resized")
        }
        return Dataset(
            source: values["source"] as? String ?? key, background: values["background"] as? Bool ?? false, queries: classes,
            shortSide: Int(try number("short_side", 0...4096)), window: Int(try number("window", 0...4096)),
            stride: Int(try number("stride", 1...4096)), logitScale: Float(try number("logit_scale", 0.001...1000)),
            threshold: Float(try number("threshold", 0...1)),
            areaThreshold: area == nil || area is NSNull ? nil : Float(try number("area_threshold", 0...1)),
            pamrSteps: value("pamr_steps") == nil ? 0 : Int(try number("pamr_steps", 0...100)), pamrDilations: dilations,
            padWindows: try flag("pad_windows"), wholeLogitsAtOriginal: whole == "original", renormalize: try flag("renormalize"),
            gaussianStd: value("gaussian_std") == nil ? 5 : Float(try number("gaussian_std", 0.01...1000)))
    }

    /// The dataset config matching a built-in vocabulary, by its content: `pascal-voc` is VOC-21
    /// (VOC-20 when the others class is ignored, as `--reduce-zero-label` does), `pascal-context-59`
    /// Context-60 (Context-59), `coco-stuff-171` COCO-Stuff-164k, `ade20k-150` ADE20K.
    public static func automaticDataset(for vocabulary: Vocabulary, othersIgnored: Bool) -> String? {
        builtinVocabularyDatasets[vocabulary.contentHash].map { othersIgnored ? $0.ignoringOthers : $0.withOthers }
    }

    /// The content hashes of the built-in vocabularies that have dataset configs, computed once.
    private static let builtinVocabularyDatasets: [String: (withOthers: String, ignoringOthers: String)] = {
        let keys: [String: (String, String)] = [
            "pascal-voc": ("voc21", "voc20"), "pascal-context-59": ("context60", "context59"),
            "coco-stuff-171": ("coco_stuff164k", "coco_stuff164k"), "ade20k-150": ("ade20k", "ade20k"),
        ]
        var hashes: [String: (withOthers: String, ignoringOthers: String)] = [:]
        for (name, pair) in keys {
            if let builtin = try? Vocabulary.load(name) { hashes[builtin.contentHash] = pair }
        }
        return hashes
    }()
}

/// A method config file that cannot be used.
public enum CLIPMethodConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(reason): return "clip method config: \(reason)"
        }
    }
}
