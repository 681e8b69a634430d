import Foundation

/// PyTorch's `F.interpolate` on planar float maps (`channels × height × width`), in the two
/// modes CLIP's dense methods use, with `align_corners=False`: reproduced exactly because
/// the parity references are computed with it.
enum TorchInterpolation {
    /// `mode='bilinear'` to a given size: source `(d + 0.5) · in/out − 0.5`, clamped at 0.
    static func bilinear(_ input: [Float], channels: Int, height: Int, width: Int, toHeight outH: Int, width outW: Int) -> [Float] {
        if outH == height && outW == width { return input }
        let ys = taps(input: height, output: outH), xs = taps(input: width, output: outW)
        var out = [Float](repeating: 0, count: channels * outH * outW)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let plane = src.baseAddress! + c * height * width
                    let target = dst.baseAddress! + c * outH * outW
                    for oy in 0..<outH {
                        let (y0, y1, ly) = ys[oy]
                        let row0 = plane + y0 * width, row1 = plane + y1 * width
                        for ox in 0..<outW {
                            let (x0, x1, lx) = xs[ox]
                            let top = (1 - lx) * row0[x0] + lx * row0[x1]
                            let bottom = (1 - lx) * row1[x0] + lx * row1[x1]
                            target[oy * outW + ox] = (1 - ly) * top + ly * bottom
                        }
                    }
                }
            }
        }
        return out
    }

    static func taps(input: Int, output: Int) -> [(Int, Int, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { o in
            let source = max(0, (Float(o) + 0.5) * scale - 0.5)
            let i0 = min(Int(source), input - 1)
            let i1 = min(i0 + 1, input - 1)
            return (i0, i1, source - Float(i0))
        }
    }

    /// `mode='bicubic'` (A = −0.75) with explicit scale factors, as the methods' position-embedding
    /// interpolation calls it: the output is `floor(in · scale)` and the source `(d + 0.5) / scale − 0.5`.
    static func bicubic(
        _ input: [Float], channels: Int, height: Int, width: Int, scaleY: Double, scaleX: Double
    ) -> (values: [Float], height: Int, width: Int) {
        let outH = Int((Double(height) * scaleY).rounded(.down)), outW = Int((Double(width) * scaleX).rounded(.down))
        func cubicTaps(input: Int, output: Int, scale: Double) -> [([Int], [Float])] {
            (0..<output).map { o in
                let source = Float((Double(o) + 0.5) * (1 / scale) - 0.5)
                let i0 = Int(source.rounded(.down))
                let t = source - Float(i0)
                let a: Float = -0.75
                func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
                func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
                let weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
                let indices = (-1...2).map { min(max(i0 + $0, 0), input - 1) }
                return (indices, weights)
            }
        }
        let ys = cubicTaps(input: height, output: outH, scale: scaleY)
        let xs = cubicTaps(input: width, output: outW, scale: scaleX)
        var out = [Float](repeating: 0, count: channels * outH * outW)
        for c in 0..<channels {
            let plane = c * height * width
            for oy in 0..<outH {
                let (yi, yw) = ys[oy]
                for ox in 0..<outW {
                    let (xi, xw) = xs[ox]
                    var sum: Float = 0
                    for j in 0..<4 {
                        var row: Float = 0
                        for i in 0..<4 { row += xw[i] * input[plane + yi[j] * width + xi[i]] }
                        sum += yw[j] * row
                    }
                    out[c * outH * outW + oy * outW + ox] = sum
                }
            }
        }
        return (out, outH, outW)
    }
}
