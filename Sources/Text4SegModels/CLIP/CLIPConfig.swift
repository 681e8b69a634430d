import Foundation

/// A CLIP checkpoint's `config.json`, read as strictly as its safetensors header: every field
/// text4seg knows is of its JSON type and in its range, the tower sections are objects, and
/// what the tensors also say (widths, depths, vocabulary and context sizes) agrees with them.
/// An error names the file and the field (`config.json: text_config.layer_norm_eps: …`).
///
/// Fields left out take transformers' defaults. Old configs carry `text_config_dict` and
/// `vision_config_dict` beside the sections; as in transformers, their values win.
///
///     let config = try CLIPConfig(path: folder + "/config.json")
///     config.text.layerNormEps   // 1e-5
public struct CLIPConfig: Sendable {
    /// One tower's section, each field as the file gives it (`nil` when left out).
    public struct Section: Sendable, Decodable {
        public var hiddenSize: Int?
        public var intermediateSize: Int?
        public var numHiddenLayers: Int?
        public var numAttentionHeads: Int?
        public var layerNormEps: Double?
        public var hiddenAct: String?
        public var eosTokenId: Int?
        public var vocabSize: Int?
        public var maxPositionEmbeddings: Int?
        public var patchSize: Int?
        public var imageSize: Int?

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
            case numAttentionHeads = "num_attention_heads", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
            case eosTokenId = "eos_token_id", vocabSize = "vocab_size", maxPositionEmbeddings = "max_position_embeddings"
            case patchSize = "patch_size", imageSize = "image_size"
        }

        init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func integer(_ key: CodingKeys) throws -> Int? { try c.decodeIfPresent(JSONInteger.self, forKey: key)?.value }
            hiddenSize = try integer(.hiddenSize)
            intermediateSize = try integer(.intermediateSize)
            numHiddenLayers = try integer(.numHiddenLayers)
            numAttentionHeads = try integer(.numAttentionHeads)
            layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps)
            hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct)
            eosTokenId = try integer(.eosTokenId)
            vocabSize = try integer(.vocabSize)
            maxPositionEmbeddings = try integer(.maxPositionEmbeddings)
            patchSize = try integer(.patchSize)
            imageSize = try integer(.imageSize)
        }

        /// `self` with the fields `other` sets.
        func overridden(by other: Section?) -> Section {
            guard let other else { return self }
            var merged = self
            merged.hiddenSize = other.hiddenSize ?? hiddenSize
            merged.intermediateSize = other.intermediateSize ?? intermediateSize
            merged.numHiddenLayers = other.numHiddenLayers ?? numHiddenLayers
            merged.numAttentionHeads = other.numAttentionHeads ?? numAttentionHeads
            merged.layerNormEps = other.layerNormEps ?? layerNormEps
            merged.hiddenAct = other.hiddenAct ?? hiddenAct
            merged.eosTokenId = other.eosTokenId ?? eosTokenId
            merged.vocabSize = other.vocabSize ?? vocabSize
            merged.maxPositionEmbeddings = other.maxPositionEmbeddings ?? maxPositionEmbeddings
            merged.patchSize = other.patchSize ?? patchSize
            merged.imageSize = other.imageSize ?? imageSize
            return merged
        }
    }

    struct File: Decodable {
        var textConfig: Section?
        var visionConfig: Section?
        var textConfigDict: Section?
        var visionConfigDict: Section?
        var projectionDim: Int?
        enum CodingKeys: String, CodingKey {
            case textConfig = "text_config", visionConfig = "vision_config", textConfigDict = "text_config_dict"
            case visionConfigDict = "vision_config_dict", projectionDim = "projection_dim"
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            textConfig = try c.decodeIfPresent(Section.self, forKey: .textConfig)
            visionConfig = try c.decodeIfPresent(Section.self, forKey: .visionConfig)
            textConfigDict = try c.decodeIfPresent(Section.self, forKey: .textConfigDict)
            visionConfigDict = try c.decodeIfPresent(Section.self, forKey: .visionConfigDict)
            projectionDim = try c.decodeIfPresent(JSONInteger.self, forKey: .projectionDim)?.value
        }
    }

    /// The activations text4seg implements.
    public static let activations = ["quick_gelu", "gelu"]
    /// Layer norm's epsilon: positive and at most this (checkpoints use 1e-5 to 1e-12).
    public static let maximumEpsilon = 0.1
    /// Bounds for sizes and counts: far above any CLIP, far below what overflows a product.
    public static let maximumSize = 1 << 20

    public let path: String
    /// The text and vision sections, `*_config_dict` applied.
    public let text: Section
    public let vision: Section
    public let projectionDim: Int?

    /// Reads and checks the ranges of `path`.
    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WeightsError.unreadable(path: path, reason: "no readable config.json (a Hugging Face CLIP checkpoint folder)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            let (field, reason) = error.fieldAndReason
            throw WeightsError.invalidValue(path: path, field: field.isEmpty ? "config" : field, reason: reason)
        }
        text = (file.textConfig ?? Section()).overridden(by: file.textConfigDict)
        vision = (file.visionConfig ?? Section()).overridden(by: file.visionConfigDict)
        projectionDim = file.projectionDim
        try check(projectionDim, "projection_dim")
        for (section, name) in [(text, "text_config"), (vision, "vision_config")] {
            for (value, field) in [
                (section.hiddenSize, "hidden_size"), (section.intermediateSize, "intermediate_size"),
                (section.numHiddenLayers, "num_hidden_layers"), (section.numAttentionHeads, "num_attention_heads"),
                (section.vocabSize, "vocab_size"), (section.maxPositionEmbeddings, "max_position_embeddings"),
                (section.patchSize, "patch_size"), (section.imageSize, "image_size"),
            ] {
                try check(value, name + "." + field)
            }
            if let eps = section.layerNormEps, !(eps > 0 && eps <= Self.maximumEpsilon) {
                throw WeightsError.invalidValue(
                    path: path, field: name + ".layer_norm_eps", reason: "\(eps) is not in (0, \(Self.maximumEpsilon)]")
            }
            if let act = section.hiddenAct, !Self.activations.contains(act) {
                throw WeightsError.invalidValue(
                    path: path, field: name + ".hidden_act",
                    reason: "\(act.debugDescription) is not one of \(Self.activations.joined(separator: ", "))")
            }
        }
        if let eos = text.eosTokenId, eos < 0 {
            throw WeightsError.invalidValue(path: path, field: "text_config.eos_token_id", reason: "\(eos) is negative")
        }
    }

    func check(_ value: Int?, _ field: String) throws {
        guard let value, !(1...Self.maximumSize).contains(value) else { return }
        throw WeightsError.invalidValue(path: path, field: field, reason: "\(value) is not between 1 and \(Self.maximumSize)")
    }

    /// A field the tensors also determine must say the same, when the config gives it.
    func agree(_ value: Int?, _ field: String, tensors: Int) throws {
        guard let value, value != tensors else { return }
        throw WeightsError.invalidValue(path: path, field: field, reason: "\(value), but the weights have \(tensors)")
    }
}
