import Foundation
import Text4SegCore

/// Sliding-window dense inference as ClearCLIP, SCLIP and NACLIP run it: windows every `stride`
/// pixels, the last row and column shifted back to fit inside the image, each window's per-patch
/// logits upsampled bilinearly to its pixels, and overlaps averaged. A `window` of 0 reads the
/// whole image at once. With `pad` (ClearCLIP), a window whose side is not a multiple of the patch
/// is padded with zeros, half before (rounded down) and half after, and its logits are cropped
/// back; without it (SCLIP, NACLIP) the patch grid drops the remainder, as a strided convolution does.
///
///     let sliding = CLIPSlidingWindow(window: 224, stride: 112)
///     let windows = sliding.windowLogits(model: model, pixels: pixels, height: h, width: w, queries: q, method: .naclip, gaussianStd: 5)
///     windows.row(y, into: buffer)   // queries × w logits of image row y
public struct CLIPSlidingWindow: Sendable {
    public var window: Int
    public var stride: Int
    public var pad: Bool

    public init(window: Int, stride: Int, pad: Bool = false) {
        self.window = window
        self.stride = stride
        self.pad = pad
    }

    /// The windows' `(y, x, height, width)` over a `height × width` image.
    public func windows(height: Int, width: Int) -> [(y: Int, x: Int, height: Int, width: Int)] {
        if window <= 0 { return [(0, 0, height, width)] }
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

    /// ClearCLIP's `compute_padsize`: zeros to add `(left, right, top, bottom)` so that both sides
    /// are multiples of `patch`, the smaller half first.
    public static func padding(height: Int, width: Int, patch: Int) -> (left: Int, right: Int, top: Int, bottom: Int) {
        let across = (patch - width % patch) % patch, down = (patch - height % patch) % patch
        return (across / 2, across - across / 2, down / 2, down - down / 2)
    }

    /// Every window's per-patch logits (cosine similarities with `queries`) of a normalized
    /// `3 × height × width` image, before upsampling. Windows run in parallel, `jobs` at a time,
    /// handed out one at a time so that the cores finish together. `logitSize`, for whole-image
    /// inference only, is the size the patch logits are upsampled to instead of the image's
    /// (ClearCLIP and SCLIP go straight to the original image's size).
    public func windowLogits(
        model: CLIPModel, pixels: [Float], height: Int, width: Int, queries: [[Float]], method: CLIPDenseMethod,
        gaussianStd: Float, logitSize: (height: Int, width: Int)? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> WindowLogits {
        let q = queries.count, dimension = model.projectionWidth
        let queryMatrix = queries.flatMap { $0 }
        let all = windows(height: height, width: width)
        let output = window <= 0 ? (logitSize ?? (height, width)) : (height, width)
        let results = WindowResults(count: all.count)
        let next = WorkCounter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, all.count))) { _ in
            while let index = next.take(below: all.count) {
                let w = all[index]
                let p =
                    pad && window > 0
                    ? Self.padding(height: w.height, width: w.width, patch: model.patchSize) : (left: 0, right: 0, top: 0, bottom: 0)
                let cropHeight = w.height + p.top + p.bottom, cropWidth = w.width + p.left + p.right
                var crop = [Float](repeating: 0, count: 3 * cropHeight * cropWidth)
                for c in 0..<3 {
                    for y in 0..<w.height {
                        let source = c * height * width + (w.y + y) * width + w.x
                        let target = c * cropHeight * cropWidth + (y + p.top) * cropWidth + p.left
                        for x in 0..<w.width { crop[target + x] = pixels[source + x] }
                    }
                }
                let (features, rows, cols) = model.denseFeatures(
                    crop, height: cropHeight, width: cropWidth, method: method, gaussianStd: gaussianStd)
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
                let outHeight = window <= 0 ? output.0 : cropHeight, outWidth = window <= 0 ? output.1 : cropWidth
                let keepHeight = window <= 0 ? output.0 : w.height, keepWidth = window <= 0 ? output.1 : w.width
                results.set(
                    index,
                    WindowLogits.Window(
                        y: w.y, x: w.x, height: keepHeight, width: keepWidth, rows: rows, cols: cols, planes: planes,
                        ys: Array(TorchInterpolation.taps(input: rows, output: outHeight)[p.top..<(p.top + keepHeight)]),
                        xs: Array(TorchInterpolation.taps(input: cols, output: outWidth)[p.left..<(p.left + keepWidth)])))
            }
        }
        return WindowLogits(height: output.0, width: output.1, queries: q, windows: results.all())
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
        return windows.planar(jobs: jobs)
    }
}
