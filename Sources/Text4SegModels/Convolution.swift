import Foundation

/// A channels-first feature map of one image: `channels × height × width`.
struct FeatureMap {
    var channels: Int
    var height: Int
    var width: Int
    var data: [Float]

    init(channels: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == channels * height * width, "feature map data must fill its shape")
        self.channels = channels
        self.height = height
        self.width = width
        self.data = data
    }
}

/// A convolution with batch norm folded into its weights and bias at load time.
struct FoldedConvolution {
    let outputs: Int
    let inputs: Int
    let kernel: Int
    let stride: Int
    let depthwise: Bool
    /// `outputs × (inputs·k·k)` (dense) or `outputs × k·k` (depthwise).
    let weight: [Float]
    let bias: [Float]

    /// Folds `γ (x − μ) / √(σ² + ε) + β` into the convolution that precedes it.
    init(weight: Tensor, batchNorm prefix: String, in tensors: (String) throws -> Tensor, stride: Int, depthwise: Bool, epsilon: Float) throws {
        let gamma = try tensors(prefix + ".weight"), beta = try tensors(prefix + ".bias")
        let mean = try tensors(prefix + ".running_mean"), variance = try tensors(prefix + ".running_var")
        outputs = weight.shape[0]
        inputs = depthwise ? outputs : weight.shape[1]
        kernel = weight.shape[2]
        self.stride = stride
        self.depthwise = depthwise
        let perOutput = weight.count / outputs
        var folded = weight.data
        var bias = [Float](repeating: 0, count: outputs)
        for o in 0..<outputs {
            let scale = gamma.data[o] / (variance.data[o] + epsilon).squareRoot()
            for i in 0..<perOutput { folded[o * perOutput + i] *= scale }
            bias[o] = beta.data[o] - mean.data[o] * scale
        }
        self.weight = folded
        self.bias = bias
    }

    /// TensorFlow "same" padding: output ceil(input / stride), the extra pixel of an odd total on the bottom/right.
    func padding(_ size: Int) -> (before: Int, output: Int) {
        let output = (size + stride - 1) / stride
        let total = max((output - 1) * stride + kernel - size, 0)
        return (total / 2, output)
    }

    /// Convolution, bias, then ReLU6 when `activate`.
    func apply(_ x: FeatureMap, activate: Bool) -> FeatureMap {
        var y = depthwise ? applyDepthwise(x) : applyDense(x)
        if activate {
            y.data.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count { d[i] = min(max(d[i], 0), 6) }
            }
        }
        return y
    }

    private func applyDense(_ x: FeatureMap) -> FeatureMap {
        let (top, oh) = padding(x.height), (left, ow) = padding(x.width)
        let pixels = oh * ow
        var out = [Float](repeating: 0, count: outputs * pixels)
        for o in 0..<outputs { for p in 0..<pixels { out[o * pixels + p] = bias[o] } }
        let depth = inputs * kernel * kernel
        if kernel == 1 && stride == 1 {
            x.data.withUnsafeBufferPointer { input in
                weight.withUnsafeBufferPointer { w in
                    out.withUnsafeMutableBufferPointer { c in
                        LinearAlgebra.gemmAccumulate(w.baseAddress!, lda: inputs, input.baseAddress!, ldb: pixels, m: outputs, n: pixels, k: inputs, into: c.baseAddress!, ldc: pixels)
                    }
                }
            }
            return FeatureMap(channels: outputs, height: oh, width: ow, data: out)
        }
        // im2col: one row per (input channel, ky, kx), one column per output pixel.
        var columns = [Float](repeating: 0, count: depth * pixels)
        x.data.withUnsafeBufferPointer { input in
            columns.withUnsafeMutableBufferPointer { cols in
                for c in 0..<inputs {
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let row = ((c * kernel + ky) * kernel + kx) * pixels
                            for oy in 0..<oh {
                                let iy = oy * stride + ky - top
                                guard iy >= 0 && iy < x.height else { continue }
                                for ox in 0..<ow {
                                    let ix = ox * stride + kx - left
                                    if ix >= 0 && ix < x.width { cols[row + oy * ow + ox] = input[(c * x.height + iy) * x.width + ix] }
                                }
                            }
                        }
                    }
                }
            }
        }
        columns.withUnsafeBufferPointer { cols in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    LinearAlgebra.gemmAccumulate(w.baseAddress!, lda: depth, cols.baseAddress!, ldb: pixels, m: outputs, n: pixels, k: depth, into: c.baseAddress!, ldc: pixels)
                }
            }
        }
        return FeatureMap(channels: outputs, height: oh, width: ow, data: out)
    }

    private func applyDepthwise(_ x: FeatureMap) -> FeatureMap {
        let (top, oh) = padding(x.height), (left, ow) = padding(x.width)
        var out = [Float](repeating: 0, count: outputs * oh * ow)
        let k = kernel, s = stride, h = x.height, w = x.width
        x.data.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { output in
                    for c in 0..<outputs {
                        let plane = input.baseAddress! + c * h * w
                        let kw = weights.baseAddress! + c * k * k
                        let target = output.baseAddress! + c * oh * ow
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var sum = bias[c]
                                let y0 = oy * s - top, x0 = ox * s - left
                                for ky in 0..<k {
                                    let iy = y0 + ky
                                    if iy < 0 || iy >= h { continue }
                                    let row = plane + iy * w
                                    for kx in 0..<k {
                                        let ix = x0 + kx
                                        if ix >= 0 && ix < w { sum += kw[ky * k + kx] * row[ix] }
                                    }
                                }
                                target[oy * ow + ox] = sum
                            }
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: outputs, height: oh, width: ow, data: out)
    }
}
