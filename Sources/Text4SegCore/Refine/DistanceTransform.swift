/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, 2012):
/// two passes of the 1-D lower envelope of parabolas, O(pixels).
enum DistanceTransform {
    /// Squared distance from each pixel to the nearest pixel where `isSite` is
    /// true, one pixel step counting `spacingX` across and `spacingY` down;
    /// `Float.infinity` everywhere when there is no site.
    static func squared(width: Int, height: Int, isSite: [Bool], spacingX: Float = 1, spacingY: Float = 1) -> [Float] {
        var d = isSite.map { $0 ? Float(0) : Float.infinity }
        let longest = max(width, height)
        var f = [Float](repeating: 0, count: longest)
        var out = [Float](repeating: 0, count: longest)
        var v = [Int](repeating: 0, count: longest)
        var z = [Float](repeating: 0, count: longest + 1)
        for x in 0..<width {
            for y in 0..<height { f[y] = d[y * width + x] }
            envelope(f, count: height, spacing: spacingY, v: &v, z: &z, into: &out)
            for y in 0..<height { d[y * width + x] = out[y] }
        }
        for y in 0..<height {
            for x in 0..<width { f[x] = d[y * width + x] }
            envelope(f, count: width, spacing: spacingX, v: &v, z: &z, into: &out)
            for x in 0..<width { d[y * width + x] = out[x] }
        }
        return d
    }

    /// out[q] = min over p of (q − p)² + f[p].
    private static func envelope(_ f: [Float], count n: Int, spacing: Float, v: inout [Int], z: inout [Float], into out: inout [Float]) {
        let s2 = spacing * spacing
        var k = -1
        for q in 0..<n where f[q].isFinite {
            let fq = f[q] + s2 * Float(q * q)
            var s: Float = 0
            while k >= 0 {
                let p = v[k]
                s = (fq - (f[p] + s2 * Float(p * p))) / (2 * s2 * Float(q - p))
                if s <= z[k] { k -= 1 } else { break }
            }
            k += 1
            v[k] = q
            z[k] = k == 0 ? -.infinity : s
            z[k + 1] = .infinity
        }
        guard k >= 0 else {
            for q in 0..<n { out[q] = .infinity }
            return
        }
        var j = 0
        for q in 0..<n {
            while z[j + 1] < Float(q) { j += 1 }
            let p = v[j]
            out[q] = s2 * Float((q - p) * (q - p)) + f[p]
        }
    }
}
