import Foundation
import Text4SegCore

/// EfficientNet-Lite0 (ImageNet-1k) for dense classification: the usual
/// network (no squeeze-excite, ReLU6, TensorFlow "same" padding, batch norm
/// eps 1e-3 folded into the convolutions at load), whose classifier is also
/// applied to every cell of the last feature map.
///
///     let net = try EfficientNetLite(store: ModelStore())
///     let out = net.run(image)          // any size; input (x − 127) / 128
///     out.cellLogits                     // 1000 × cells, one column per cell
public struct EfficientNetLite: Sendable {
    struct Block: Sendable {
        var expand: FoldedConvolution?
        var depthwise: FoldedConvolution
        var project: FoldedConvolution
        var skip: Bool
    }

    /// What one forward pass gives.
    public struct Output: Sendable {
        /// Logits of the whole image (average-pooled features through the classifier).
        public var imageLogits: [Float]
        /// Logits of each cell of the last feature map, `classes × (rows · cols)`.
        public var cellLogits: [Float]
        public var rows: Int
        public var cols: Int
    }

    let stem: FoldedConvolution
    let blocks: [Block]
    let head: FoldedConvolution
    let classifier: Tensor
    let classifierBias: Tensor
    public var classCount: Int { classifier.shape[0] }

    /// Stage strides of EfficientNet-B0/Lite0: repeats 1, 2, 2, 3, 3, 4, 1 with first-block strides 1, 2, 2, 2, 1, 2, 1.
    static let blockStrides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]

    public init(store: ModelStore) throws {
        try self.init(path: try store.require(.efficientNetWeights))
    }

    public init(path: String) throws {
        LinearAlgebra.useSingleThreadedBLAS()
        let file = try SafetensorsFile(path: path)
        let epsilon: Float = 1e-3
        func t(_ name: String) throws -> Tensor { try file.tensor(name) }
        stem = try FoldedConvolution(
            weight: t("_conv_stem.weight"), batchNorm: "_bn0", in: t, stride: 2, depthwise: false, epsilon: epsilon)
        var blocks: [Block] = []
        for (i, stride) in EfficientNetLite.blockStrides.enumerated() {
            let p = "_blocks.\(i)."
            let expand =
                file.names.contains(p + "_expand_conv.weight")
                ? try FoldedConvolution(
                    weight: t(p + "_expand_conv.weight"), batchNorm: p + "_bn0", in: t, stride: 1, depthwise: false, epsilon: epsilon)
                : nil
            let depthwise = try FoldedConvolution(
                weight: t(p + "_depthwise_conv.weight"), batchNorm: p + "_bn1", in: t, stride: stride, depthwise: true, epsilon: epsilon)
            let project = try FoldedConvolution(
                weight: t(p + "_project_conv.weight"), batchNorm: p + "_bn2", in: t, stride: 1, depthwise: false, epsilon: epsilon)
            let inputs = expand?.inputs ?? depthwise.inputs
            blocks.append(Block(expand: expand, depthwise: depthwise, project: project, skip: stride == 1 && inputs == project.outputs))
        }
        self.blocks = blocks
        head = try FoldedConvolution(
            weight: t("_conv_head.weight"), batchNorm: "_bn1", in: t, stride: 1, depthwise: false, epsilon: epsilon)
        classifier = try t("_fc.weight")
        classifierBias = try t("_fc.bias")
    }

    /// The network's input: RGB as `3 × H × W`, `(x − 127) / 128`.
    static func input(_ image: RGBImage) -> FeatureMap {
        let n = image.width * image.height
        var data = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n { for c in 0..<3 { data[c * n + i] = (Float(image.pixels[3 * i + c]) - 127) / 128 } }
        return FeatureMap(channels: 3, height: image.height, width: image.width, data: data)
    }

    /// The last feature map (1280 channels, stride 32) of an image of any size.
    func features(_ image: RGBImage) -> FeatureMap {
        var x = stem.apply(EfficientNetLite.input(image), activate: true)
        for block in blocks {
            let input = x
            if let expand = block.expand { x = expand.apply(x, activate: true) }
            x = block.depthwise.apply(x, activate: true)
            x = block.project.apply(x, activate: false)
            if block.skip { for i in 0..<x.data.count { x.data[i] += input.data[i] } }
        }
        return head.apply(x, activate: true)
    }

    public func run(_ image: RGBImage) -> Output {
        let f = features(image)
        let cells = f.height * f.width, k = classCount, d = f.channels
        var cellLogits = [Float](repeating: 0, count: k * cells)
        for c in 0..<k { for p in 0..<cells { cellLogits[c * cells + p] = classifierBias.data[c] } }
        classifier.data.withUnsafeBufferPointer { w in
            f.data.withUnsafeBufferPointer { x in
                cellLogits.withUnsafeMutableBufferPointer { out in
                    LinearAlgebra.gemmAccumulate(
                        w.baseAddress!, lda: d, x.baseAddress!, ldb: cells, m: k, n: cells, k: d, into: out.baseAddress!, ldc: cells)
                }
            }
        }
        var pooled = [Float](repeating: 0, count: d)
        for c in 0..<d {
            var sum: Float = 0
            for p in 0..<cells { sum += f.data[c * cells + p] }
            pooled[c] = sum / Float(cells)
        }
        let imageLogits = LinearAlgebra.linear(pooled, rows: 1, weight: classifier, bias: classifierBias)
        return Output(imageLogits: imageLogits, cellLogits: cellLogits, rows: f.height, cols: f.width)
    }
}
