import Foundation
import Text4SegCore

/// Sliding-window dense inference as ClearCLIP, SCLIP and NACLIP run it: square windows every
/// `stride` pixels, the last row and column shifted back to fit inside the image, each window's
/// per-patch logits upsampled bilinearly to its pixels, and overlaps averaged.
///
///     let sliding = CLIPSlidingWindow(window: 224, stride: 112)
///     let windows = sliding.windowLogits(model: model, pixels: pixels, height: h, width: w, queries: q, method: .naclip, gaussianStd: 5)
///     windows.row(y, into: buffer)   // queries × w logits of image row y
public struct CLIPSlidingWindow: Sendable {
    public var window: Int
    public var stride: Int

    public init(window: Int, stride: Int) {
        self.window = window
        self.stride = stride
    }

    /// The windows' `(y, x, height, width)` over a `height × width` image.
    public func windows(height: Int, width: Int) -> [(y: Int, x: Int, height: Int, width: Int)] {
        func starts(_ size: Int) -> [(Int, Int)] {
            let count = max(size - window + stride - 1, 0) / stride + 1
            return (0..<count).map { i in
                let end = min(i * stride + window, size)
                let start = max(end - window, 0)
                return (start, end - start)
            }
        }
        var out: [(Int, Int, Int, Int)] = []
        for (y, h) in starts(height) { for (x, w) in starts(width) { out.append((y, x, h, w)) } }
        return out
    }

    /// Every window's per-patch logits (cosine similarities with `queries`) of a normalized
    /// `3 × height × width` image, before upsampling. Windows run in parallel, `jobs` at a time,
    /// handed out one at a time so that the cores finish together.
    public func windowLogits(
        model: CLIPModel, pixels: [Float], height: Int, width: Int, queries: [[Float]], method: CLIPDenseMethod,
        gaussianStd: Float, jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> WindowLogits {
        let q = queries.count, dimension = model.projectionWidth
        let queryMatrix = queries.flatMap { $0 }
        let all = windows(height: height, width: width)
        let results = WindowResults(count: all.count)
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, all.count))) { _ in
            while let index = next.take(below: all.count) {
                let w = all[index]
                var crop = [Float](repeating: 0, count: 3 * w.height * w.width)
                for c in 0..<3 {
                    for y in 0..<w.height {
                        let source = c * height * width + (w.y + y) * width + w.x
                        let target = c * w.height * w.width + y * w.width
                        for x in 0..<w.width { crop[target + x] = pixels[source + x] }
                    }
                }
                let (features, rows, cols) = model.denseFeatures(
                    crop, height: w.height, width: w.width, method: method, gaussianStd: gaussianStd)
                // (queries × dimension) · (patches × dimension)ᵀ: planar logits, one plane per query.
                var planes = [Float](repeating: 0, count: q * rows * cols)
                queryMatrix.withUnsafeBufferPointer { a in
                    features.withUnsafeBufferPointer { b in
                        planes.withUnsafeMutableBufferPointer { c in
                            LinearAlgebra.gemmTransposed(
                                a.baseAddress!, lda: dimension, b.baseAddress!, ldb: dimension, m: q, n: rows * cols, k: dimension,
                                alpha: 1, into: c.baseAddress!, ldc: rows * cols)
                        }
                    }
                }
                results.set(
                    index,
                    WindowLogits.Window(
                        y: w.y, x: w.x, height: w.height, width: w.width, rows: rows, cols: cols, planes: planes,
                        ys: TorchInterpolation.taps(input: rows, output: w.height),
                        xs: TorchInterpolation.taps(input: cols, output: w.width)))
            }
        }
        return WindowLogits(height: height, width: width, queries: q, windows: results.all())
    }

    /// Per-query logits of the whole image, `queries.count × height × width` (rows assembled in
    /// parallel). `windowLogits` and `WindowLogits.row` give the same a row at a time.
    public func logits(
        model: CLIPModel, pixels: [Float], height: Int, width: Int, queries: [[Float]], method: CLIPDenseMethod,
        gaussianStd: Float, jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> [Float] {
        let windows = windowLogits(
            model: model, pixels: pixels, height: height, width: width, queries: queries, method: method, gaussianStd: gaussianStd,
            jobs: jobs)
        let q = queries.count
        var out = [Float](repeating: 0, count: q * height * width)
        out.withUnsafeMutableBufferPointer { buffer in
            let box = UnsafeSendableBox(pointer: buffer)
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, height))) { worker in
                var row = [Float](repeating: 0, count: q * width)
                for y in Swift.stride(from: worker, to: height, by: max(1, min(jobs, height))) {
                    row.withUnsafeMutableBufferPointer { windows.row(y, into: $0.baseAddress!) }
                    for k in 0..<q {
                        for x in 0..<width { box.pointer[k * height * width + y * width + x] = row[k * width + x] }
                    }
                }
            }
        }
        return out
    }
}
