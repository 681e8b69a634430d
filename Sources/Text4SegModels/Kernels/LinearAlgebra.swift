import CBLAS
import Foundation

/// The few dense operations the embedded models need, on OpenBLAS.
enum LinearAlgebra {
    /// OpenBLAS's own threads busy-wait between calls and starve the threads this
    /// package runs (parallel convolution chunks, concurrent images): keep it to one.
    static func useSingleThreadedBLAS() {
        openblas_set_num_threads(1)
    }

    /// `x · Wᵀ + b` for `x` of `rows × inputs` and a PyTorch `Linear` weight of `outputs × inputs`.
    static func linear(_ x: [Float], rows: Int, weight: Tensor, bias: Tensor?) -> [Float] {
        let outputs = weight.shape[0], inputs = weight.shape[1]
        precondition(x.count == rows * inputs, "linear: input is not rows × inputs")
        var y = [Float](repeating: 0, count: rows * outputs)
        if let bias {
            for r in 0..<rows { for o in 0..<outputs { y[r * outputs + o] = bias.data[o] } }
        }
        x.withUnsafeBufferPointer { a in
            weight.data.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                        1, a.baseAddress, Int32(inputs), w.baseAddress, Int32(inputs), bias == nil ? 0 : 1, c.baseAddress, Int32(outputs))
                }
            }
        }
        return y
    }

    /// `C = A · Bᵀ` with `A` of `m × k` and `B` of `n × k` given as pointers and leading dimensions.
    static func gemmTransposed(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int,
        alpha: Float, into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// `C = A · B` with `A` of `m × k` and `B` of `k × n`.
    static func gemm(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }

    /// `C += A · B` with `A` of `m × k` and `B` of `k × n`.
    static func gemmAccumulate(
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, m: Int, n: Int, k: Int,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 1, c, Int32(ldc))
    }

    /// Layer normalization of each row of `width` values, in place.
    static func layerNorm(_ x: inout [Float], width: Int, gamma: Tensor, beta: Tensor, epsilon: Float) {
        let rows = x.count / width
        for r in 0..<rows {
            var mean: Float = 0
            for i in 0..<width { mean += x[r * width + i] }
            mean /= Float(width)
            var variance: Float = 0
            for i in 0..<width {
                let d = x[r * width + i] - mean
                variance += d * d
            }
            variance /= Float(width)
            let scale = 1 / (variance + epsilon).squareRoot()
            for i in 0..<width { x[r * width + i] = (x[r * width + i] - mean) * scale * gamma.data[i] + beta.data[i] }
        }
    }

    /// GELU with the exact error function, as BERT uses it.
    static func gelu(_ x: inout [Float]) {
        for i in 0..<x.count { x[i] = 0.5 * x[i] * (1 + erf(x[i] / Float(2).squareRoot())) }
    }
}
