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

/// The windows' per-patch logits of one image, from which any image row's full-resolution logits
/// are made on demand: a whole `queries × height × width` map is 675 MB for COCO-Stuff's names at
/// 612 × 448, where the windows' patch logits are a few MB.
public struct WindowLogits: Sendable {
    struct Window: Sendable {
        var y: Int, x: Int, height: Int, width: Int, rows: Int, cols: Int
        /// `queries × rows × cols`.
        var planes: [Float]
        /// Bilinear taps (PyTorch's, `align_corners=False`) from the window's pixels to its patches.
        var ys: [(Int, Int, Float)], xs: [(Int, Int, Float)]
    }

    public let height: Int, width: Int, queries: Int
    let windows: [Window]

    /// The logits of image row `y`, `queries × width` values into `out`: each window over the row
    /// upsampled bilinearly to its pixels, overlaps averaged (windows added in a fixed order).
    public func row(_ y: Int, into out: UnsafeMutablePointer<Float>) {
        out.initialize(repeating: 0, count: queries * width)
        var count = [Float](repeating: 0, count: width)
        for w in windows where (w.y..<(w.y + w.height)).contains(y) {
            for x in w.x..<(w.x + w.width) { count[x] += 1 }
            let (y0, y1, ly) = w.ys[y - w.y]
            w.planes.withUnsafeBufferPointer { planes in
                for k in 0..<queries {
                    let plane = planes.baseAddress! + k * w.rows * w.cols
                    let row0 = plane + y0 * w.cols, row1 = plane + y1 * w.cols
                    let target = out + k * width + w.x
                    for ox in 0..<w.width {
                        let (x0, x1, lx) = w.xs[ox]
                        let top = (1 - lx) * row0[x0] + lx * row0[x1]
                        let bottom = (1 - lx) * row1[x0] + lx * row1[x1]
                        target[ox] += (1 - ly) * top + ly * bottom
                    }
                }
            }
        }
        for k in 0..<queries { for x in 0..<width where count[x] > 0 { out[k * width + x] /= count[x] } }
    }
}

/// One result per window, filled in by the threads that ran them.
final class WindowResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [WindowLogits.Window?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: WindowLogits.Window) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func all() -> [WindowLogits.Window] {
        lock.lock()
        defer { lock.unlock() }
        return values.compactMap { $0 }
    }
}

/// A buffer written by several threads, each to its own part.
struct UnsafeSendableBox: @unchecked Sendable {
    let pointer: UnsafeMutableBufferPointer<Float>
}

/// Hands out 0, 1, 2, … to whichever thread asks next.
final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
