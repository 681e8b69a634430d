import Foundation

/// Color planes and edge strength for edge-aware refiners.
///
/// The conventions are scikit-image's (`rgb2lab` with D65, `filters.gaussian`
/// with mode `nearest` and truncate 4, `filters.sobel` with mode `reflect`),
/// so settings tuned against those carry over.
public enum EdgeStrength {
    /// CIE L*a*b* planes (D65), L* scaled by `lightnessWeight`, each smoothed
    /// with a Gaussian of `sigma` pixels (none at 0).
    public static func lab(_ image: RGBImage, lightnessWeight: Float = 1, sigma: Float = 0) -> [[Float]] {
        let n = image.width * image.height
        var planes = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        let linear = (0..<256).map { v -> Double in
            let c = Double(v) / 255
            return c > 0.04045 ? pow((c + 0.055) / 1.055, 2.4) : c / 12.92
        }
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0 }
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<n {
                let (r, g, b) = (linear[Int(px[3 * i])], linear[Int(px[3 * i + 1])], linear[Int(px[3 * i + 2])])
                let x = (0.412453 * r + 0.357580 * g + 0.180423 * b) / 0.95047
                let y = 0.212671 * r + 0.715160 * g + 0.072169 * b
                let z = (0.019334 * r + 0.119193 * g + 0.950227 * b) / 1.08883
                let (fx, fy, fz) = (f(x), f(y), f(z))
                planes[0][i] = Float(116 * fy - 16) * lightnessWeight
                planes[1][i] = Float(500 * (fx - fy))
                planes[2][i] = Float(200 * (fy - fz))
            }
        }
        guard sigma > 0 else { return planes }
        return planes.map { gaussian($0, width: image.width, height: image.height, sigma: sigma) }
    }

    /// Sobel gradient magnitude over all planes: sqrt(Σ (Gx² + Gy²) / 2), with
    /// kernels normalized by 4 as in scikit-image.
    public static func gradient(_ planes: [[Float]], width: Int, height: Int) -> [Float] {
        var energy = [Float](repeating: 0, count: width * height)
        for plane in planes { addSobelEnergy(plane, width: width, height: height, into: &energy) }
        for i in energy.indices { energy[i] = energy[i].squareRoot() }
        return energy
    }

    /// Separable Gaussian, radius round(4σ), borders repeat the edge pixel.
    static func gaussian(_ input: [Float], width: Int, height: Int, sigma: Float) -> [Float] {
        let radius = Int(4 * sigma + 0.5)
        var taps = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        taps = taps.map { $0 / total }
        var horizontal = [Float](repeating: 0, count: input.count)
        var out = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = y * width
                    for x in 0..<width {
                        var sum: Float = 0
                        for k in -radius...radius {
                            sum += taps[k + radius] * src[row + min(width - 1, max(0, x + k))]
                        }
                        dst[row + x] = sum
                    }
                }
            }
        }
        horizontal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = y * width
                    for k in -radius...radius {
                        let weight = taps[k + radius]
                        let source = min(height - 1, max(0, y + k)) * width
                        for x in 0..<width { dst[row + x] += weight * src[source + x] }
                    }
                }
            }
        }
        return out
    }

    /// Adds (Gx² + Gy²) / 2 of one plane; one pixel past the border reads the border.
    static func addSobelEnergy(_ p: [Float], width: Int, height: Int, into energy: inout [Float]) {
        p.withUnsafeBufferPointer { p in
            energy.withUnsafeMutableBufferPointer { e in
                for y in 0..<height {
                    let up = max(0, y - 1) * width, row = y * width, down = min(height - 1, y + 1) * width
                    for x in 0..<width {
                        let l = max(0, x - 1), r = min(width - 1, x + 1)
                        let gx = (p[up + r] + 2 * p[row + r] + p[down + r]) - (p[up + l] + 2 * p[row + l] + p[down + l])
                        let gy = (p[down + l] + 2 * p[down + x] + p[down + r]) - (p[up + l] + 2 * p[up + x] + p[up + r])
                        e[row + x] += (gx * gx + gy * gy) / 32
                    }
                }
            }
        }
    }
}
