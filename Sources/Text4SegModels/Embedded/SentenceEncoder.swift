import Foundation
import Text4SegCore

/// all-MiniLM-L6-v2: a 6-layer BERT (hidden 384, 12 heads) whose token states
/// are mean-pooled and L2-normalized into a sentence embedding.
///
///     let encoder = try SentenceEncoder(store: ModelStore())
///     let v = encoder.embed("potted plant")   // 384 values, unit length
public struct SentenceEncoder: Sendable {
    struct Layer: Sendable {
        var query, key, value, attentionOutput, intermediate, output: (Tensor, Tensor)
        var attentionNorm, outputNorm: (Tensor, Tensor)
    }

    public let tokenizer: WordPieceTokenizer
    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let typeEmbeddings: Tensor
    let embeddingNorm: (Tensor, Tensor)
    let layers: [Layer]
    let hidden: Int
    let heads: Int
    let epsilon: Float = 1e-12

    public init(store: ModelStore) throws {
        try self.init(weights: try store.require(.miniLMWeights), tokenizer: try store.require(.miniLMTokenizer))
    }

    public init(weights path: String, tokenizer: String) throws {
        self.tokenizer = try WordPieceTokenizer(path: tokenizer)
        let file = try SafetensorsFile(path: path)
        func pair(_ name: String) throws -> (Tensor, Tensor) { (try file.tensor(name + ".weight"), try file.tensor(name + ".bias")) }
        wordEmbeddings = try file.tensor("embeddings.word_embeddings.weight")
        positionEmbeddings = try file.tensor("embeddings.position_embeddings.weight")
        typeEmbeddings = try file.tensor("embeddings.token_type_embeddings.weight")
        embeddingNorm = try pair("embeddings.LayerNorm")
        var layers: [Layer] = []
        var i = 0
        while file.names.contains("encoder.layer.\(i).attention.self.query.weight") {
            let p = "encoder.layer.\(i)."
            layers.append(
                Layer(
                    query: try pair(p + "attention.self.query"), key: try pair(p + "attention.self.key"),
                    value: try pair(p + "attention.self.value"),
                    attentionOutput: try pair(p + "attention.output.dense"), intermediate: try pair(p + "intermediate.dense"),
                    output: try pair(p + "output.dense"), attentionNorm: try pair(p + "attention.output.LayerNorm"),
                    outputNorm: try pair(p + "output.LayerNorm")))
            i += 1
        }
        guard !layers.isEmpty else { throw WeightsError.missingTensor("encoder.layer.0.attention.self.query.weight") }
        self.layers = layers
        hidden = wordEmbeddings.shape[1]
        heads = hidden == 384 ? 12 : max(1, hidden / 64)
    }

    /// The sentence embedding of `text`: mean of the final token states, L2-normalized.
    public func embed(_ text: String) -> [Float] {
        let ids = tokenizer.encode(text).map(Int.init)
        let n = ids.count, h = hidden
        var x = [Float](repeating: 0, count: n * h)
        for (t, id) in ids.enumerated() {
            for i in 0..<h {
                x[t * h + i] = wordEmbeddings.data[id * h + i] + positionEmbeddings.data[t * h + i] + typeEmbeddings.data[i]
            }
        }
        LinearAlgebra.layerNorm(&x, width: h, gamma: embeddingNorm.0, beta: embeddingNorm.1, epsilon: epsilon)
        let headSize = h / heads
        let scale = 1 / Float(headSize).squareRoot()
        for layer in layers {
            let q = LinearAlgebra.linear(x, rows: n, weight: layer.query.0, bias: layer.query.1)
            let k = LinearAlgebra.linear(x, rows: n, weight: layer.key.0, bias: layer.key.1)
            let v = LinearAlgebra.linear(x, rows: n, weight: layer.value.0, bias: layer.value.1)
            var context = [Float](repeating: 0, count: n * h)
            var scores = [Float](repeating: 0, count: n * n)
            q.withUnsafeBufferPointer { q in
                k.withUnsafeBufferPointer { k in
                    v.withUnsafeBufferPointer { v in
                        scores.withUnsafeMutableBufferPointer { s in
                            context.withUnsafeMutableBufferPointer { c in
                                for head in 0..<heads {
                                    let offset = head * headSize
                                    LinearAlgebra.gemmTransposed(
                                        q.baseAddress! + offset, lda: h, k.baseAddress! + offset, ldb: h,
                                        m: n, n: n, k: headSize, alpha: scale, into: s.baseAddress!, ldc: n)
                                    Vector.softmaxRows(s.baseAddress!, rows: n, width: n)
                                    LinearAlgebra.gemm(
                                        s.baseAddress!, lda: n, v.baseAddress! + offset, ldb: h, m: n, n: headSize, k: n,
                                        into: c.baseAddress! + offset, ldc: h)
                                }
                            }
                        }
                    }
                }
            }
            var attention = LinearAlgebra.linear(context, rows: n, weight: layer.attentionOutput.0, bias: layer.attentionOutput.1)
            for i in 0..<attention.count { attention[i] += x[i] }
            LinearAlgebra.layerNorm(&attention, width: h, gamma: layer.attentionNorm.0, beta: layer.attentionNorm.1, epsilon: epsilon)
            var inner = LinearAlgebra.linear(attention, rows: n, weight: layer.intermediate.0, bias: layer.intermediate.1)
            LinearAlgebra.gelu(&inner)
            var out = LinearAlgebra.linear(inner, rows: n, weight: layer.output.0, bias: layer.output.1)
            for i in 0..<out.count { out[i] += attention[i] }
            LinearAlgebra.layerNorm(&out, width: h, gamma: layer.outputNorm.0, beta: layer.outputNorm.1, epsilon: epsilon)
            x = out
        }
        var pooled = [Float](repeating: 0, count: h)
        for t in 0..<n { for i in 0..<h { pooled[i] += x[t * h + i] } }
        var norm: Float = 0
        for i in 0..<h {
            pooled[i] /= Float(n)
            norm += pooled[i] * pooled[i]
        }
        norm = max(norm.squareRoot(), 1e-12)
        return pooled.map { $0 / norm }
    }
}
