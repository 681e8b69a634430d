/// Resampling helpers shared by the refiners and the engine views.
public enum Resampling {
    /// Source indices of nearest-neighbor upsampling as Text4Seg's reference
    /// does it: destination `d` takes source floor(d · in / out), exact in integers.
    public static func floorIndices(input: Int, output: Int) -> [Int] {
        (0..<output).map { min(input - 1, $0 * input / output) }
    }

    /// Source indices of Text4Seg's two-step nearest upsampling, composed:
    /// `input` cells → `view` → `output` pixels, each step floor(dst · in / out).
    public static func nearestThroughView(input: Int, view: Int, output: Int) -> [Int] {
        let toView = floorIndices(input: input, output: view)
        return floorIndices(input: view, output: output).map { toView[$0] }
    }

    /// Stretches an image to `width × height` with a triangle (bilinear) filter
    /// whose support widens when shrinking, so that downscaling averages
    /// instead of aliasing (the behavior of Pillow's `BILINEAR` resize).
    public static func bilinear(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        let horizontal = weights(input: image.width, output: width)
        let vertical = weights(input: image.height, output: height)
        // Horizontal pass into floats, then vertical pass into bytes.
        var temp = [Float](repeating: 0, count: width * image.height * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                let row = y * image.width * 3
                for x in 0..<width {
                    let (start, w) = horizontal[x]
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for k in 0..<w.count {
                        let s = row + (start + k) * 3
                        r += w[k] * Float(src[s])
                        g += w[k] * Float(src[s + 1])
                        b += w[k] * Float(src[s + 2])
                    }
                    let d = (y * width + x) * 3
                    temp[d] = r
                    temp[d + 1] = g
                    temp[d + 2] = b
                }
            }
        }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let (start, w) = vertical[y]
            for x in 0..<width {
                for c in 0..<3 {
                    var v: Float = 0
                    for k in 0..<w.count { v += w[k] * temp[((start + k) * width + x) * 3 + c] }
                    out[(y * width + x) * 3 + c] = UInt8(max(0, min(255, v.rounded())))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    static func weights(input: Int, output: Int) -> [(Int, [Float])] {
        let scale = Double(input) / Double(output)
        let support = max(1.0, scale)
        return (0..<output).map { i in
            let center = (Double(i) + 0.5) * scale
            let lo = max(0, Int((center - support).rounded(.down)))
            let hi = min(input, Int((center + support).rounded(.up)))
            var w: [Float] = []
            var total = 0.0
            for j in lo..<hi {
                let t = max(0, 1 - abs((Double(j) + 0.5 - center) / support))
                w.append(Float(t))
                total += t
            }
            if total > 0 { w = w.map { $0 / Float(total) } }
            return (lo, w)
        }
    }
}

extension Resampling {
    /// Linear interpolation taps with pixel centers aligned (`align_corners=False`):
    /// destination `d` samples source position (d + 0.5) · in / out − 0.5, clamped.
    public static func linearTaps(input: Int, output: Int) -> ([Int], [Int], [Float]) {
        var lower = [Int](repeating: 0, count: output), upper = lower
        var fraction = [Float](repeating: 0, count: output)
        let scale = Double(input) / Double(output)
        for d in 0..<output {
            let position = min(Double(input - 1), max(0, (Double(d) + 0.5) * scale - 0.5))
            let base = Int(position)
            lower[d] = base
            upper[d] = min(input - 1, base + 1)
            fraction[d] = Float(position - Double(base))
        }
        return (lower, upper, fraction)
    }
}
