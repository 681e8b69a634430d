import Foundation
import Text4SegCore

/// Sliding-window dense inference as ClearCLIP, SCLIP and NACLIP run it: square windows every
/// `stride` pixels, the last row and column shifted back to fit inside the image, each window's
/// per-patch logits upsampled bilinearly to its pixels, and overlaps averaged.
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

    /// Per-query logits (cosine similarities), `queries.count × height × width`, of a normalized
    /// `3 × height × width` image. Windows run in parallel, `jobs` at a time.
    public func logits(
        model: CLIPModel, pixels: [Float], height: Int, width: Int, queries: [[Float]], method: CLIPDenseMethod,
        gaussianStd: Float, jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> [Float] {
        let q = queries.count, dimension = model.projectionWidth
        let queryMatrix = queries.flatMap { $0 }
        let all = windows(height: height, width: width)
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: q * height * width)
        buffer.initialize(repeating: 0)
        defer { buffer.deallocate() }
        var count = [Float](repeating: 0, count: height * width)
        for w in all { for y in w.y..<(w.y + w.height) { for x in w.x..<(w.x + w.width) { count[y * width + x] += 1 } } }
        let lock = NSLock()
        let box = UnsafeSendableBox(pointer: buffer)
        let next = WorkCounter()
        // Windows are handed out one at a time, so that the cores finish together (15 windows on 2 cores is 8 + 7, not 8 + 8).
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
                let up = TorchInterpolation.bilinear(planes, channels: q, height: rows, width: cols, toHeight: w.height, width: w.width)
                lock.lock()
                let target = box.pointer
                for k in 0..<q {
                    for y in 0..<w.height {
                        let row = k * height * width + (w.y + y) * width + w.x
                        let from = k * w.height * w.width + y * w.width
                        for x in 0..<w.width { target[row + x] += up[from + x] }
                    }
                }
                lock.unlock()
            }
        }
        for k in 0..<q { for i in 0..<(height * width) { buffer[k * height * width + i] /= count[i] } }
        return Array(buffer)
    }
}

/// A buffer written by several threads under a lock the caller holds.
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
