import Foundation

/// Short kernels over raw float buffers, shared by the refiners and the models.
/// `axpy` and `blur` run eight lanes at a time: the compiler cannot vectorize
/// such loops itself, as it cannot rule out that the pointers alias.
public enum Vector {
    /// `y += a · x` over `n` values.
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var c = 0
        while c + 8 <= n {
            let xv = UnsafeRawPointer(x + c).loadUnaligned(as: SIMD8<Float>.self)
            let yv = UnsafeRawPointer(y + c).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + c).storeBytes(of: yv + a * xv, as: SIMD8<Float>.self)
            c += 8
        }
        while c < n {
            y[c] += a * x[c]
            c += 1
        }
    }

    /// `out = here + (a + b) / 2` over `n` values.
    @inline(__always)
    public static func blur(
        _ here: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        var c = 0
        while c + 8 <= n {
            let h = UnsafeRawPointer(here + c).loadUnaligned(as: SIMD8<Float>.self)
            let av = UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self)
            let bv = UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + c).storeBytes(of: h + 0.5 * (av + bv), as: SIMD8<Float>.self)
            c += 8
        }
        while c < n {
            out[c] = here[c] + 0.5 * (a[c] + b[c])
            c += 1
        }
    }

    /// Softmax of each of `rows` rows of `width` values, in place: the maximum, the shifted
    /// exponentials and their sum eight lanes at a time (the attention of the models spends a tenth
    /// of its time here otherwise).
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        guard width > 0 else { return }
        let body = width - width % 8
        for r in 0..<rows {
            let row = x + r * width
            var maxima = SIMD8<Float>(repeating: -.infinity)
            var i = 0
            while i < body {
                let v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                maxima.replace(with: v, where: v .> maxima)
                i += 8
            }
            var m = maxima.max()
            for j in body..<width { m = Swift.max(m, row[j]) }
            var sums = SIMD8<Float>(repeating: 0)
            i = 0
            while i < body {
                let e = exp8(UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self) - m)
                UnsafeMutableRawPointer(row + i).storeBytes(of: e, as: SIMD8<Float>.self)
                sums += e
                i += 8
            }
            var total = sums.sum()
            if body < width {
                var tail = SIMD8<Float>(repeating: -.infinity)
                for j in body..<width { tail[j - body] = row[j] - m }
                let e = exp8(tail)
                for j in body..<width {
                    row[j] = e[j - body]
                    total += e[j - body]
                }
            }
            let inverse = 1 / total
            i = 0
            while i < body {
                let v = UnsafeRawPointer(row + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(row + i).storeBytes(of: v * inverse, as: SIMD8<Float>.self)
                i += 8
            }
            for j in body..<width { row[j] *= inverse }
        }
    }

    /// `eˣ` of `count` values in place, eight at a time: Cephes' single-precision polynomial after
    /// reducing by powers of two (within 2 ulp of `expf` over its range; below −87.3 it gives
    /// about 1e-38, not 0). The transformers' softmax and activations spend much of their time here.
    public static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: exp8(v), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>(repeating: 0)
            for k in 0..<(count - i) { tail[k] = x[i + k] }
            let e = exp8(tail)
            for k in 0..<(count - i) { x[i + k] = e[k] }
        }
    }

    @inline(__always)
    static func exp8(_ input: SIMD8<Float>) -> SIMD8<Float> {
        var x = input.replacing(with: -87.3, where: input .< -87.3)
        x = x.replacing(with: 88.3, where: x .> 88.3)
        // Round x·log2(e) to an integer by adding 1.5·2²³: the sum's low mantissa bits hold it.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = x * 1.44269504088896341 + magic
        let n = shifted - magic
        var r = x - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * (r * r) + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000
        let scale = (integer &+ 127) &<< 23
        return p * unsafeBitCast(scale, to: SIMD8<Float>.self)
    }

    /// Scales each of the rows of `width` values to unit length (rows of zeros stay zero).
    public static func normalizeRows(_ x: inout [Float], width: Int) {
        for r in 0..<(x.count / width) {
            var norm: Float = 0
            for i in 0..<width { norm += x[r * width + i] * x[r * width + i] }
            guard norm > 0 else { continue }
            let inverse = 1 / norm.squareRoot()
            for i in 0..<width { x[r * width + i] *= inverse }
        }
    }
}
