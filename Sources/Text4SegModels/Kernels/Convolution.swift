import Foundation
import Text4SegCore

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
    init(
        weight: Tensor, batchNorm prefix: String, in tensors: (String) throws -> Tensor, stride: Int, depthwise: Bool, epsilon: Float
    ) throws {
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
        depthwise ? applyDepthwise(x, activate: activate) : applyDense(x, activate: activate)
    }

    /// ReLU6 in place, while the values are still in cache.
    @inline(__always)
    static func relu6(_ values: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { values[i] = min(max(values[i], 0), 6) }
    }

    private func applyDense(_ x: FeatureMap, activate: Bool) -> FeatureMap {
        let (top, oh) = padding(x.height), (left, ow) = padding(x.width)
        let pixels = oh * ow
        var out = [Float](repeating: 0, count: outputs * pixels)
        let depth = inputs * kernel * kernel
        // A 1×1, stride-1 convolution multiplies the input itself; others go through im2col.
        let columns = kernel == 1 && stride == 1 ? x.data : im2col(x, top: top, left: left, oh: oh, ow: ow)
        columns.withUnsafeBufferPointer { cols in
            weight.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { c in
                    let (wp, ip, cp) = (w.baseAddress!, cols.baseAddress!, c.baseAddress!)
                    Parallel.rows(outputs) { range in
                        for o in range { (cp + o * pixels).update(repeating: bias[o], count: pixels) }
                        LinearAlgebra.gemmAccumulate(
                            wp + range.lowerBound * depth, lda: depth, ip, ldb: pixels, m: range.count, n: pixels, k: depth,
                            into: cp + range.lowerBound * pixels, ldc: pixels)
                        if activate { FoldedConvolution.relu6(cp + range.lowerBound * pixels, range.count * pixels) }
                    }
                }
            }
        }
        return FeatureMap(channels: outputs, height: oh, width: ow, data: out)
    }

    /// One row per (input channel, ky, kx), one column per output pixel; zeros where the window leaves the image.
    private func im2col(_ x: FeatureMap, top: Int, left: Int, oh: Int, ow: Int) -> [Float] {
        let pixels = oh * ow
        var columns = [Float](repeating: 0, count: inputs * kernel * kernel * pixels)
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
        return columns
    }

    private func applyDepthwise(_ x: FeatureMap, activate: Bool) -> FeatureMap {
        let (top, oh) = padding(x.height), (left, ow) = padding(x.width)
        var out = [Float](repeating: 0, count: outputs * oh * ow)
        let k = kernel, s = stride, h = x.height, w = x.width
        x.data.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { weights in
                out.withUnsafeMutableBufferPointer { output in
                    let (ip, wp, op) = (input.baseAddress!, weights.baseAddress!, output.baseAddress!)
                    Parallel.rows(outputs) { channels in
                        for c in channels {
                            let plane = ip + c * h * w, kw = wp + c * k * k, target = op + c * oh * ow
                            target.update(repeating: bias[c], count: oh * ow)
                            for ky in 0..<k {
                                // Output rows whose input row iy = oy·s + ky − top is inside the image.
                                let oy0 = max(0, (top - ky + s - 1) / s), oy1 = min(oh, (h - 1 + top - ky) / s + 1)
                                guard oy0 < oy1 else { continue }
                                for kx in 0..<k {
                                    let ox0 = max(0, (left - kx + s - 1) / s), ox1 = min(ow, (w - 1 + left - kx) / s + 1)
                                    guard ox0 < ox1 else { continue }
                                    let weight = kw[ky * k + kx]
                                    for oy in oy0..<oy1 {
                                        let row = plane + (oy * s + ky - top) * w + kx - left
                                        let dst = target + oy * ow
                                        if s == 1 {
                                            Vector.axpy(weight, row + ox0, dst + ox0, ox1 - ox0)
                                        } else {
                                            var source = row + ox0 * s, d = dst + ox0
                                            for _ in ox0..<ox1 {
                                                d.pointee += weight * source.pointee
                                                d += 1
                                                source += s
                                            }
                                        }
                                    }
                                }
                            }
                            if activate { FoldedConvolution.relu6(target, oh * ow) }
                        }
                    }
                }
            }
        }
        return FeatureMap(channels: outputs, height: oh, width: ow, data: out)
    }
}

/// Splits work over the cores in contiguous chunks (OpenBLAS itself is kept to
/// one thread, so that its workers do not spin while ours run).
enum Parallel {
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    static func rows(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(workers, count)
        if parts <= 1 { return body(0..<count) }
        withoutActuallyEscaping(body) { body in
            // The chunks touch disjoint memory; the box only carries the closure across threads.
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = count * part / parts, end = count * (part + 1) / parts
                if start < end { box.value(start..<end) }
            }
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
