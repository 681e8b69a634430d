import Foundation
import Text4SegCore

/// A CLIP checkpoint in Hugging Face's layout (`config.json`, `model.safetensors`): the text and
/// vision transformers of any size (ViT-B/32, B/16, L/14, L/14-336 and smaller ones), their
/// projections, and the dense variants of the last vision block that training-free segmentation
/// methods use.
///
///     let model = try CLIPModel(folder: "clip-vit-base-patch16")
///     let text = model.textFeatures([tokenizer.encode("a photo of a cat.")])[0]   // 512 values
public final class CLIPModel: Sendable {
    /// One pre-norm transformer block.
    struct Block: Sendable {
        var norm1: LayerNormWeights, norm2: LayerNormWeights
        var query: Tensor, queryBias: Tensor, key: Tensor, keyBias: Tensor, value: Tensor, valueBias: Tensor
        var output: Tensor, outputBias: Tensor
        var fc1: Tensor, fc1Bias: Tensor, fc2: Tensor, fc2Bias: Tensor
    }

    struct LayerNormWeights: Sendable {
        var gamma: Tensor, beta: Tensor
    }

    /// One tower's shape, from `config.json` (with transformers' defaults for what it leaves out) and the tensors.
    public struct Tower: Sendable {
        public var width: Int
        public var layers: Int
        public var heads: Int
        public var epsilon: Float
        /// `quick_gelu` (OpenAI's checkpoints) or `gelu`.
        public var activation: String
    }

    public let text: Tower
    public let vision: Tower
    public let projectionWidth: Int
    public let patchSize: Int
    /// The pretraining image side (224 or 336): the position embeddings' grid times the patch size.
    public let imageSize: Int
    /// The id whose first position is pooled (the `<|endoftext|>` token).
    public let endTokenID: Int32
    public let folder: String

    let textBlocks: [Block]
    let visionBlocks: [Block]
    let tokenEmbedding: Tensor
    let textPositions: Tensor
    let finalNorm: LayerNormWeights
    let textProjection: Tensor
    let classEmbedding: Tensor
    /// `width × (3 · patch · patch)`, the convolution's kernel flattened in (channel, y, x) order.
    let patchWeight: Tensor
    let visionPositions: Tensor
    let preNorm: LayerNormWeights
    let postNorm: LayerNormWeights
    let visualProjection: Tensor

    /// Query rows per step of attention (see `attend`); any value gives the same result.
    let attentionBlock: Int

    /// Loads a Hugging Face CLIP checkpoint folder. `attentionBlock` trades cache locality for
    /// fewer BLAS calls; tests set it small to check the blocking.
    public init(folder: String, attentionBlock: Int = 64) throws {
        self.folder = folder
        self.attentionBlock = max(1, attentionBlock)
        // Windows run on threads of their own; OpenBLAS's would only busy-wait beside them.
        LinearAlgebra.useSingleThreadedBLAS()
        let configPath = folder + "/config.json"
        let config = try CLIPConfig(path: configPath)
        let weightsPath = folder + "/model.safetensors"
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw WeightsError.unreadable(path: weightsPath, reason: "no such file; only safetensors checkpoints are read")
        }
        let file = try SafetensorsFile(path: weightsPath)
        let names = Set(file.names)
        func norm(_ prefix: String) throws -> LayerNormWeights {
            LayerNormWeights(gamma: try file.tensor(prefix + ".weight"), beta: try file.tensor(prefix + ".bias"))
        }
        func blocks(_ prefix: String) throws -> [Block] {
            var blocks: [Block] = []
            while names.contains("\(prefix).\(blocks.count).self_attn.q_proj.weight") {
                let p = "\(prefix).\(blocks.count)."
                func t(_ name: String) throws -> Tensor { try file.tensor(p + name) }
                blocks.append(
                    Block(
                        norm1: try norm(p + "layer_norm1"), norm2: try norm(p + "layer_norm2"),
                        query: try t("self_attn.q_proj.weight"), queryBias: try t("self_attn.q_proj.bias"),
                        key: try t("self_attn.k_proj.weight"), keyBias: try t("self_attn.k_proj.bias"),
                        value: try t("self_attn.v_proj.weight"), valueBias: try t("self_attn.v_proj.bias"),
                        output: try t("self_attn.out_proj.weight"), outputBias: try t("self_attn.out_proj.bias"),
                        fc1: try t("mlp.fc1.weight"), fc1Bias: try t("mlp.fc1.bias"), fc2: try t("mlp.fc2.weight"),
                        fc2Bias: try t("mlp.fc2.bias")))
            }
            guard !blocks.isEmpty else { throw WeightsError.missingTensor("\(prefix).0.self_attn.q_proj.weight") }
            return blocks
        }
        textBlocks = try blocks("text_model.encoder.layers")
        visionBlocks = try blocks("vision_model.encoder.layers")
        tokenEmbedding = try file.tensor("text_model.embeddings.token_embedding.weight")
        textPositions = try file.tensor("text_model.embeddings.position_embedding.weight")
        finalNorm = try norm("text_model.final_layer_norm")
        textProjection = try file.tensor("text_projection.weight")
        classEmbedding = try file.tensor("vision_model.embeddings.class_embedding")
        let conv = try file.tensor("vision_model.embeddings.patch_embedding.weight")
        guard conv.shape.count == 4, conv.shape[1] == 3, conv.shape[2] > 0, conv.shape[2] == conv.shape[3] else {
            throw WeightsError.malformed(path: weightsPath, reason: "patch_embedding.weight is \(conv.shape), not width × 3 × p × p")
        }
        patchSize = conv.shape[2]
        patchWeight = Tensor(shape: [conv.shape[0], 3 * patchSize * patchSize], data: conv.data)
        visionPositions = try file.tensor("vision_model.embeddings.position_embedding.weight")
        visualProjection = try file.tensor("visual_projection.weight")
        for (tensor, rank, name) in [
            (tokenEmbedding, 2, "text_model.embeddings.token_embedding.weight"),
            (textPositions, 2, "text_model.embeddings.position_embedding.weight"), (textProjection, 2, "text_projection.weight"),
            (classEmbedding, 1, "vision_model.embeddings.class_embedding"),
            (visionPositions, 2, "vision_model.embeddings.position_embedding.weight"), (visualProjection, 2, "visual_projection.weight"),
        ] where tensor.shape.count != rank || tensor.shape.contains(0) {
            throw WeightsError.malformed(path: weightsPath, reason: "\(name) is \(tensor.shape), not a non-empty \(rank)-d tensor")
        }
        let side = Int(Double(visionPositions.shape[0] - 1).squareRoot().rounded())
        guard side * side + 1 == visionPositions.shape[0] else {
            throw WeightsError.malformed(path: weightsPath, reason: "vision position embeddings are not a square grid plus the class token")
        }
        imageSize = side * patchSize
        preNorm = try norm("vision_model.pre_layrnorm")
        postNorm = try norm("vision_model.post_layernorm")
        projectionWidth = visualProjection.shape[0]
        guard textProjection.shape[0] == projectionWidth else {
            throw WeightsError.malformed(path: weightsPath, reason: "text and visual projections differ in width")
        }

        func tower(_ section: CLIPConfig.Section, width: Int, layers: Int, defaultHeads: Int) -> Tower {
            Tower(
                width: width, layers: layers, heads: section.numAttentionHeads ?? defaultHeads,
                epsilon: Float(section.layerNormEps ?? 1e-5), activation: section.hiddenAct ?? "quick_gelu")
        }
        // transformers' defaults: 8 text heads, 12 vision heads; checkpoints name theirs.
        text = tower(config.text, width: tokenEmbedding.shape[1], layers: textBlocks.count, defaultHeads: 8)
        vision = tower(config.vision, width: classEmbedding.shape[0], layers: visionBlocks.count, defaultHeads: 12)
        // What the config says of the shapes must be what the tensors are.
        for (section, name, tower, blocks) in [
            (config.text, "text_config", text, textBlocks), (config.vision, "vision_config", vision, visionBlocks),
        ] {
            try config.agree(section.hiddenSize, name + ".hidden_size", tensors: tower.width)
            try config.agree(section.numHiddenLayers, name + ".num_hidden_layers", tensors: tower.layers)
            try config.agree(section.intermediateSize, name + ".intermediate_size", tensors: blocks[0].fc1.shape.first ?? 0)
        }
        try config.agree(config.text.vocabSize, "text_config.vocab_size", tensors: tokenEmbedding.shape[0])
        try config.agree(config.text.maxPositionEmbeddings, "text_config.max_position_embeddings", tensors: textPositions.shape[0])
        try config.agree(config.vision.patchSize, "vision_config.patch_size", tensors: patchSize)
        try config.agree(config.vision.imageSize, "vision_config.image_size", tensors: imageSize)
        try config.agree(config.projectionDim, "projection_dim", tensors: projectionWidth)
        for t in [text, vision] where t.heads <= 0 || t.width % t.heads != 0 || !["quick_gelu", "gelu"].contains(t.activation) {
            throw WeightsError.malformed(
                path: configPath, reason: "width \(t.width) with \(t.heads) heads and activation \(t.activation) is not a CLIP tower")
        }
        // Every tensor's shape against the towers' widths, so that a mismatched checkpoint is an
        // error naming the tensor rather than a trap in the middle of a forward pass.
        func expect(_ tensor: Tensor, _ shape: [Int], _ name: String) throws {
            guard tensor.shape == shape else {
                throw WeightsError.malformed(path: weightsPath, reason: "\(name) is \(tensor.shape), expected \(shape)")
            }
        }
        for (tower, blocks, prefix) in [(text, textBlocks, "text_model"), (vision, visionBlocks, "vision_model")] {
            let w = tower.width
            for (index, block) in blocks.enumerated() {
                let p = "\(prefix).encoder.layers.\(index)."
                let inner = block.fc1.shape.first ?? 0
                for (tensor, shape, name) in [
                    (block.norm1.gamma, [w], "layer_norm1.weight"), (block.norm1.beta, [w], "layer_norm1.bias"),
                    (block.norm2.gamma, [w], "layer_norm2.weight"), (block.norm2.beta, [w], "layer_norm2.bias"),
                    (block.query, [w, w], "self_attn.q_proj.weight"), (block.queryBias, [w], "self_attn.q_proj.bias"),
                    (block.key, [w, w], "self_attn.k_proj.weight"), (block.keyBias, [w], "self_attn.k_proj.bias"),
                    (block.value, [w, w], "self_attn.v_proj.weight"), (block.valueBias, [w], "self_attn.v_proj.bias"),
                    (block.output, [w, w], "self_attn.out_proj.weight"), (block.outputBias, [w], "self_attn.out_proj.bias"),
                    (block.fc1, [inner, w], "mlp.fc1.weight"), (block.fc1Bias, [inner], "mlp.fc1.bias"),
                    (block.fc2, [w, inner], "mlp.fc2.weight"), (block.fc2Bias, [w], "mlp.fc2.bias"),
                ] {
                    try expect(tensor, shape, p + name)
                }
            }
        }
        try expect(textPositions, [textPositions.shape[0], text.width], "text_model.embeddings.position_embedding.weight")
        try expect(finalNorm.gamma, [text.width], "text_model.final_layer_norm.weight")
        try expect(finalNorm.beta, [text.width], "text_model.final_layer_norm.bias")
        try expect(textProjection, [projectionWidth, text.width], "text_projection.weight")
        try expect(patchWeight, [vision.width, 3 * patchSize * patchSize], "vision_model.embeddings.patch_embedding.weight")
        try expect(visionPositions, [side * side + 1, vision.width], "vision_model.embeddings.position_embedding.weight")
        try expect(preNorm.gamma, [vision.width], "vision_model.pre_layrnorm.weight")
        try expect(preNorm.beta, [vision.width], "vision_model.pre_layrnorm.bias")
        try expect(postNorm.gamma, [vision.width], "vision_model.post_layernorm.weight")
        try expect(postNorm.beta, [vision.width], "vision_model.post_layernorm.bias")
        try expect(visualProjection, [projectionWidth, vision.width], "visual_projection.weight")

        // Old configs say 2 and mean "the highest id", which is <|endoftext|>, the last of the vocabulary.
        let configuredEnd = config.text.eosTokenId.flatMap { $0 == 2 ? nil : $0 }
        if let configuredEnd, configuredEnd >= tokenEmbedding.shape[0] {
            throw WeightsError.invalidValue(
                path: configPath, field: "text_config.eos_token_id",
                reason: "\(configuredEnd) is past the \(tokenEmbedding.shape[0]) token embeddings")
        }
        endTokenID = Int32(configuredEnd ?? tokenEmbedding.shape[0] - 1)
    }

    // MARK: Text

    /// The projected (not normalized) features of tokenized texts, as `get_text_features` gives
    /// them. The causal mask makes padding irrelevant, so each text runs at its own length, all
    /// texts through each linear layer at once.
    public func textFeatures(_ texts: [[Int32]]) -> [[Float]] {
        let texts = texts.map { Array($0.prefix(textPositions.shape[0])) }
        let (embedded, segments) = embedTokens(texts, firstPosition: 0)
        var x = embedded
        for block in textBlocks {
            x = forward(block, x, rows: x.count / text.width, tower: text, segments: segments, attention: .causal)
        }
        return pooledFeatures(x, texts: texts, segments: segments, offset: 0)
    }

    /// The same features for texts that begin alike (one prompt template filled with many names):
    /// the tokens they all share run through the tower once, and every text's own tokens attend
    /// to that prefix's keys and values, which the causal mask makes exact. With the 80 ImageNet
    /// templates, three fifths of the tokens are the template's beginning.
    public func textFeatures(sharingPrefix texts: [[Int32]]) -> [[Float]] {
        let texts = texts.map { Array($0.prefix(textPositions.shape[0])) }
        // Shared tokens, leaving every text at least one of its own and its pooled token.
        var shared = (texts.map(\.count).min() ?? 0) - 1
        for ids in texts.dropFirst() {
            var same = 0
            while same < shared && ids[same] == texts[0][same] { same += 1 }
            shared = same
        }
        let pooledInPrefix = texts.contains { ($0.firstIndex(of: endTokenID) ?? $0.count) < shared }
        guard texts.count > 1, shared > 0, !pooledInPrefix else { return textFeatures(texts) }

        var x = embedTokens([Array(texts[0][0..<shared])], firstPosition: 0).0
        var prefixes: [SharedPrefix] = []
        for block in textBlocks {
            x = forward(block, x, rows: shared, tower: text, segments: [(0, shared)], attention: .causal) { prefixes.append($0) }
        }
        let suffixes = texts.map { Array($0[shared...]) }
        let (embedded, segments) = embedTokens(suffixes, firstPosition: shared)
        var y = embedded
        for (block, prefix) in zip(textBlocks, prefixes) {
            y = forward(block, y, rows: y.count / text.width, tower: text, segments: segments, attention: .causal, prefix: prefix)
        }
        return pooledFeatures(y, texts: texts, segments: segments, offset: shared)
    }

    /// Token plus position embeddings of each text, one after another (`Σ length × width`), the
    /// first token at position `firstPosition`; and each text's (start row, length).
    func embedTokens(_ texts: [[Int32]], firstPosition: Int) -> ([Float], [(Int, Int)]) {
        let d = text.width
        let total = texts.reduce(0) { $0 + $1.count }
        var x = [Float](repeating: 0, count: total * d)
        var segments: [(Int, Int)] = []
        var row = 0
        for ids in texts {
            segments.append((row, ids.count))
            for (t, token) in ids.enumerated() {
                let id = min(max(Int(token), 0), tokenEmbedding.shape[0] - 1)
                let position = firstPosition + t
                for i in 0..<d { x[(row + t) * d + i] = tokenEmbedding.data[id * d + i] + textPositions.data[position * d + i] }
            }
            row += ids.count
        }
        return (x, segments)
    }

    /// The final norm and projection of each text's pooled token (its first `<|endoftext|>`, else
    /// its last), `offset` tokens of each text being elsewhere (a shared prefix).
    func pooledFeatures(_ x: [Float], texts: [[Int32]], segments: [(Int, Int)], offset: Int) -> [[Float]] {
        let d = text.width
        return zip(texts, segments).map { ids, segment in
            let position = (ids.firstIndex(of: endTokenID) ?? (ids.count - 1)) - offset
            var pooled = Array(x[((segment.0 + position) * d)..<((segment.0 + position + 1) * d)])
            LinearAlgebra.layerNorm(&pooled, width: d, gamma: finalNorm.gamma, beta: finalNorm.beta, epsilon: text.epsilon)
            return LinearAlgebra.linear(pooled, rows: 1, weight: textProjection, bias: nil)
        }
    }

    // MARK: Vision

    /// The pooled, projected image features of a `3 × height × width` normalized image whose sides
    /// are the pretraining size (`get_image_features`).
    public func imageFeatures(_ pixels: [Float], height: Int, width: Int) -> [Float] {
        var (x, _, _) = visionTokens(pixels, height: height, width: width)
        let tokens = x.count / vision.width
        for block in visionBlocks {
            x = forward(block, x, rows: tokens, tower: vision, segments: [(0, tokens)], attention: .full)
        }
        var pooled = Array(x[0..<vision.width])
        LinearAlgebra.layerNorm(&pooled, width: vision.width, gamma: postNorm.gamma, beta: postNorm.beta, epsilon: vision.epsilon)
        return LinearAlgebra.linear(pooled, rows: 1, weight: visualProjection, bias: nil)
    }

    /// Unit-length projected features of every patch of one crop (`rows · cols × projection`), the
    /// last block changed as `method` does.
    func denseFeatures(
        _ pixels: [Float], height: Int, width: Int, method: CLIPDenseMethod, gaussianStd: Float
    ) -> (
        features: [Float], rows: Int, cols: Int
    ) {
        var (x, rows, cols) = visionTokens(pixels, height: height, width: width)
        let tokens = rows * cols + 1
        for block in visionBlocks.dropLast() {
            x = forward(block, x, rows: tokens, tower: vision, segments: [(0, tokens)], attention: .full)
        }
        let last = visionBlocks[visionBlocks.count - 1]
        var h = x
        LinearAlgebra.layerNorm(&h, width: vision.width, gamma: last.norm1.gamma, beta: last.norm1.beta, epsilon: vision.epsilon)
        switch method {
        case .sclip:
            // SCLIP keeps the block's residual and feed-forward around its correlative attention.
            let attended = attend(last, h, rows: tokens, tower: vision, segments: [(0, tokens)], attention: .correlative)
            for i in 0..<x.count { x[i] += attended[i] }
            x = feedForward(last, x, rows: tokens, tower: vision)
        case .clearclip:
            x = attend(last, h, rows: tokens, tower: vision, segments: [(0, tokens)], attention: .queryQuery)
        case .naclip:
            x = attend(
                last, h, rows: tokens, tower: vision, segments: [(0, tokens)],
                attention: .neighborhood(rows: rows, cols: cols, std: gaussianStd))
        }
        LinearAlgebra.layerNorm(&x, width: vision.width, gamma: postNorm.gamma, beta: postNorm.beta, epsilon: vision.epsilon)
        let patches = Array(x[vision.width...])
        var features = LinearAlgebra.linear(patches, rows: rows * cols, weight: visualProjection, bias: nil)
        Vector.normalizeRows(&features, width: projectionWidth)
        return (features, rows, cols)
    }

    /// Patch embedding, class token and (interpolated) position embeddings, then the pre-norm.
    func visionTokens(_ pixels: [Float], height: Int, width: Int) -> ([Float], Int, Int) {
        let p = patchSize, d = vision.width
        let rows = height / p, cols = width / p
        var patches = [Float](repeating: 0, count: rows * cols * 3 * p * p)
        for r in 0..<rows {
            for c in 0..<cols {
                var o = (r * cols + c) * 3 * p * p
                for channel in 0..<3 {
                    for y in 0..<p {
                        let source = channel * height * width + (r * p + y) * width + c * p
                        for xx in 0..<p {
                            patches[o] = pixels[source + xx]
                            o += 1
                        }
                    }
                }
            }
        }
        let embedded = LinearAlgebra.linear(patches, rows: rows * cols, weight: patchWeight, bias: nil)
        let positions = positionEmbeddings(rows: rows, cols: cols)
        var x = [Float](repeating: 0, count: (rows * cols + 1) * d)
        for i in 0..<d { x[i] = classEmbedding.data[i] + positions[i] }
        for i in 0..<(rows * cols * d) { x[d + i] = embedded[i] + positions[d + i] }
        LinearAlgebra.layerNorm(&x, width: d, gamma: preNorm.gamma, beta: preNorm.beta, epsilon: vision.epsilon)
        return (x, rows, cols)
    }

    private let positionCache = PositionCache()

    /// The position embeddings for a `rows × cols` patch grid: the pretrained ones, or bicubically
    /// interpolated as ClearCLIP, SCLIP and NACLIP do (scale `(n + 0.1) / N`). As in their code,
    /// only a different token count is interpolated: a 7 × 28 grid of a 14 × 14 model takes the
    /// pretrained embeddings in order.
    func positionEmbeddings(rows: Int, cols: Int) -> [Float] {
        let side = imageSize / patchSize, d = vision.width
        if rows * cols == side * side { return visionPositions.data }
        if let cached = positionCache.get(rows, cols) { return cached }
        // Planar (d × side × side) for the interpolation, then back to token-major.
        var planar = [Float](repeating: 0, count: d * side * side)
        for t in 0..<(side * side) { for i in 0..<d { planar[i * side * side + t] = visionPositions.data[(t + 1) * d + i] } }
        let (grid, h, w) = TorchInterpolation.bicubic(
            planar, channels: d, height: side, width: side, scaleY: (Double(rows) + 0.1) / Double(side),
            scaleX: (Double(cols) + 0.1) / Double(side))
        precondition(h == rows && w == cols, "position interpolation gave \(h)×\(w) for \(rows)×\(cols)")
        var out = Array(visionPositions.data[0..<d])
        out.reserveCapacity((rows * cols + 1) * d)
        for t in 0..<(rows * cols) { for i in 0..<d { out.append(grid[i * rows * cols + t]) } }
        positionCache.set(rows, cols, out)
        return out
    }

    // MARK: Blocks

    enum Attention {
        /// softmax(q kᵀ) with the text tower's causal mask.
        case causal
        /// softmax(q kᵀ).
        case full
        /// ClearCLIP: softmax(q qᵀ).
        case queryQuery
        /// SCLIP: softmax(q qᵀ) + softmax(k kᵀ).
        case correlative
        /// NACLIP: softmax(k kᵀ + Gaussian window over patch positions; none for the class token).
        case neighborhood(rows: Int, cols: Int, std: Float)

        var isCausal: Bool {
            if case .causal = self { return true }
            return false
        }
    }

    /// The keys and values (`count × width`) of tokens that come before every segment: a prefix
    /// that many prompts share, run once.
    struct SharedPrefix {
        var keys: [Float], values: [Float], count: Int
    }

    /// One pre-norm block: `x + attention(norm1(x))`, then the feed-forward. With `prefix`, every
    /// (causal) segment also attends to the prefix's keys and values; `keep` receives this
    /// block's own keys and values.
    func forward(
        _ block: Block, _ x: [Float], rows: Int, tower: Tower, segments: [(Int, Int)], attention: Attention,
        prefix: SharedPrefix? = nil, keep: ((SharedPrefix) -> Void)? = nil
    ) -> [Float] {
        var h = x
        LinearAlgebra.layerNorm(&h, width: tower.width, gamma: block.norm1.gamma, beta: block.norm1.beta, epsilon: tower.epsilon)
        var out = attend(block, h, rows: rows, tower: tower, segments: segments, attention: attention, prefix: prefix, keep: keep)
        for i in 0..<out.count { out[i] += x[i] }
        return feedForward(block, out, rows: rows, tower: tower)
    }

    /// `x + fc2(act(fc1(norm2(x))))`.
    func feedForward(_ block: Block, _ x: [Float], rows: Int, tower: Tower) -> [Float] {
        var h = x
        LinearAlgebra.layerNorm(&h, width: tower.width, gamma: block.norm2.gamma, beta: block.norm2.beta, epsilon: tower.epsilon)
        var inner = LinearAlgebra.linear(h, rows: rows, weight: block.fc1, bias: block.fc1Bias)
        if tower.activation == "gelu" {
            LinearAlgebra.gelu(&inner)
        } else {
            // quick_gelu: x · sigmoid(1.702 x), the exponentials vectorized.
            var e = inner.map { -1.702 * $0 }
            e.withUnsafeMutableBufferPointer { Vector.exp($0.baseAddress!, count: $0.count) }
            for i in 0..<inner.count { inner[i] /= 1 + e[i] }
        }
        var out = LinearAlgebra.linear(inner, rows: rows, weight: block.fc2, bias: block.fc2Bias)
        for i in 0..<out.count { out[i] += x[i] }
        return out
    }

    /// Multi-head attention of normalized `h` (no residual), `out_proj` applied.
    ///
    /// Each head's scores are made, normalized and applied `attentionBlock` query rows at a time,
    /// so that the block stays in the core's cache between the three steps: 64 rows of a 785-token
    /// window are 200 kB, where the whole 785 × 785 map is 2.5 MB.
    ///
    /// With `prefix` (causal attention only), row `i` of a segment sees the prefix's tokens and its
    /// segment's first `i + 1`: the scores are `[q Kₚᵀ | q kᵀ]` and the context `Pₚ Vₚ + P v`.
    func attend(
        _ block: Block, _ h: [Float], rows: Int, tower: Tower, segments: [(Int, Int)], attention: Attention,
        prefix: SharedPrefix? = nil, keep: ((SharedPrefix) -> Void)? = nil
    ) -> [Float] {
        let d = tower.width, heads = tower.heads, hd = d / heads
        let scale = 1 / Float(hd).squareRoot()
        let q = LinearAlgebra.linear(h, rows: rows, weight: block.query, bias: block.queryBias)
        let k = LinearAlgebra.linear(h, rows: rows, weight: block.key, bias: block.keyBias)
        let v = LinearAlgebra.linear(h, rows: rows, weight: block.value, bias: block.valueBias)
        keep?(SharedPrefix(keys: k, values: v, count: rows))
        if prefix != nil { precondition(attention.isCausal, "a shared prefix needs causal attention") }
        let shared = prefix?.count ?? 0
        let prefixKeys = prefix?.keys ?? [], prefixValues = prefix?.values ?? []
        var context = [Float](repeating: 0, count: rows * d)
        let longest = segments.map(\.1).max() ?? 0
        let chunk = attentionBlock
        var scores = [Float](repeating: 0, count: chunk * (shared + longest))
        // SCLIP's second map (k kᵀ); the other kinds need none.
        var isCorrelative = false
        if case .correlative = attention { isCorrelative = true }
        var second = [Float](repeating: 0, count: isCorrelative ? chunk * longest : 1)
        var window: [Float] = []
        if case let .neighborhood(gridRows, gridCols, std) = attention {
            window = Self.gaussianWindow(rows: gridRows, cols: gridCols, std: std)
        }
        q.withUnsafeBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in
                    scores.withUnsafeMutableBufferPointer { s in
                        second.withUnsafeMutableBufferPointer { s2 in
                            context.withUnsafeMutableBufferPointer { c in
                                let sp = s.baseAddress!, sp2 = s2.baseAddress!
                                for (start, n) in segments {
                                    // Score rows are the prefix's columns, then the segment's.
                                    let width = shared + n
                                    for head in 0..<heads {
                                        let offset = start * d + head * hd
                                        let qh = q.baseAddress! + offset, kh = k.baseAddress! + offset
                                        for first in Swift.stride(from: 0, to: n, by: chunk) {
                                            let m = Swift.min(chunk, n - first)
                                            // The rows' own queries (or keys, for NACLIP) against every key (or query, or key).
                                            let (left, right): (UnsafePointer<Float>, UnsafePointer<Float>)
                                            switch attention {
                                            case .causal, .full: (left, right) = (qh, kh)
                                            case .queryQuery, .correlative: (left, right) = (qh, qh)
                                            case .neighborhood: (left, right) = (kh, kh)
                                            }
                                            if shared > 0 {
                                                prefixKeys.withUnsafeBufferPointer { pk in
                                                    LinearAlgebra.gemmTransposed(
                                                        left + first * d, lda: d, pk.baseAddress! + head * hd, ldb: d, m: m, n: shared,
                                                        k: hd,
                                                        alpha: scale, into: sp, ldc: width)
                                                }
                                            }
                                            LinearAlgebra.gemmTransposed(
                                                left + first * d, lda: d, right, ldb: d, m: m, n: n, k: hd, alpha: scale, into: sp + shared,
                                                ldc: width)
                                            switch attention {
                                            case .causal:
                                                for i in 0..<m {
                                                    for j in (first + i + 1)..<Swift.max(first + i + 1, n) {
                                                        sp[i * width + shared + j] = -.infinity
                                                    }
                                                }
                                            case .neighborhood:
                                                for i in 0..<(m * n) { sp[i] += window[first * n + i] }
                                            case .full, .queryQuery, .correlative:
                                                break
                                            }
                                            Vector.softmaxRows(sp, rows: m, width: width)
                                            if case .correlative = attention {
                                                LinearAlgebra.gemmTransposed(
                                                    kh + first * d, lda: d, kh, ldb: d, m: m, n: n, k: hd, alpha: scale, into: sp2, ldc: n)
                                                Vector.softmaxRows(sp2, rows: m, width: n)
                                                for i in 0..<(m * n) { sp[i] += sp2[i] }
                                            }
                                            LinearAlgebra.gemm(
                                                sp + shared, lda: width, v.baseAddress! + offset, ldb: d, m: m, n: hd, k: n,
                                                into: c.baseAddress! + offset + first * d, ldc: d)
                                            if shared > 0 {
                                                prefixValues.withUnsafeBufferPointer { pv in
                                                    LinearAlgebra.gemmAccumulate(
                                                        sp, lda: width, pv.baseAddress! + head * hd, ldb: d, m: m, n: hd, k: shared,
                                                        into: c.baseAddress! + offset + first * d, ldc: d)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return LinearAlgebra.linear(context, rows: rows, weight: block.output, bias: block.outputBias)
    }

    /// NACLIP's addition to the attention logits, `(1 + rows·cols)²`: exp(−‖p − p′‖² / 2σ²) between
    /// patch positions, 0 in the class token's row and column.
    static func gaussianWindow(rows: Int, cols: Int, std: Float) -> [Float] {
        let n = rows * cols + 1
        var out = [Float](repeating: 0, count: n * n)
        for a in 0..<(rows * cols) {
            for b in 0..<(rows * cols) {
                let dy = Float(a / cols - b / cols), dx = Float(a % cols - b % cols)
                out[(a + 1) * n + b + 1] = exp(-(dy * dy + dx * dx) / (2 * std * std))
            }
        }
        return out
    }
}

/// Interpolated position embeddings by grid size, shared by the threads running windows.
final class PositionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: [Float]] = [:]

    func get(_ rows: Int, _ cols: Int) -> [Float]? {
        lock.lock()
        defer { lock.unlock() }
        return values["\(rows)x\(cols)"]
    }

    func set(_ rows: Int, _ cols: Int, _ value: [Float]) {
        lock.lock()
        values["\(rows)x\(cols)"] = value
        lock.unlock()
    }
}
