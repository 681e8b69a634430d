import Foundation

/// The windows' per-patch logits of one image, from which any image row's full-resolution logits
/// are made on demand: a whole `queries × height × width` map is 675 MB for COCO-Stuff's names at
/// 612 × 448, where the windows' patch logits are a few MB.
public struct WindowLogits: CLIPLogitRows {
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

extension CLIPLogitRows {
    /// All rows at once, `queries × height × width` (rows made in parallel): for small images and tests.
    public func planar(jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Float] {
        let (q, height, width) = (queries, self.height, self.width)
        var out = [Float](repeating: 0, count: q * height * width)
        out.withUnsafeMutableBufferPointer { buffer in
            let box = UnsafeSendableBox(pointer: buffer)
            let workers = max(1, min(jobs, height))
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var row = [Float](repeating: 0, count: q * width)
                for y in Swift.stride(from: worker, to: height, by: workers) {
                    row.withUnsafeMutableBufferPointer { self.row(y, into: $0.baseAddress!) }
                    for k in 0..<q {
                        for x in 0..<width { box.pointer[k * height * width + y * width + x] = row[k * width + x] }
                    }
                }
            }
        }
        return out
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
