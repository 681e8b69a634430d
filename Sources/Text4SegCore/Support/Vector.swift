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

    /// Softmax of each of `rows` rows of `width` values, in place.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let row = x + r * width
            var m = row[0]
            for i in 1..<width where row[i] > m { m = row[i] }
            var total: Float = 0
            for i in 0..<width {
                row[i] = exp(row[i] - m)
                total += row[i]
            }
            let inverse = 1 / total
            for i in 0..<width { row[i] *= inverse }
        }
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
