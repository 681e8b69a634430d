import Foundation
import Text4SegCore

/// Per-query logits of an image, made a row at a time so that no `queries × height × width` map
/// need exist: ``row(_:into:)`` may be called from several threads at once.
public protocol CLIPLogitRows: Sendable {
    var height: Int { get }
    var width: Int { get }
    var queries: Int { get }
    /// Writes the `queries × width` logits of row `y` into `out`.
    func row(_ y: Int, into out: UnsafeMutablePointer<Float>)
}

/// Another row source's logits, bilinearly resized (PyTorch's `interpolate(mode='bilinear',
/// align_corners=False)`): how the methods bring the resized image's logits to the original size.
public struct UpsampledLogitRows<Source: CLIPLogitRows>: CLIPLogitRows {
    public let source: Source
    public let height: Int, width: Int
    let ys: [(Int, Int, Float)], xs: [(Int, Int, Float)]

    public init(_ source: Source, height: Int, width: Int) {
        self.source = source
        self.height = height
        self.width = width
        ys = TorchInterpolation.taps(input: source.height, output: height)
        xs = TorchInterpolation.taps(input: source.width, output: width)
    }

    public var queries: Int { source.queries }

    public func row(_ y: Int, into out: UnsafeMutablePointer<Float>) {
        let q = queries, w = source.width
        let (y0, y1, ly) = ys[y]
        var rows = [Float](repeating: 0, count: 2 * q * w)
        rows.withUnsafeMutableBufferPointer { buffer in
            let top = buffer.baseAddress!, bottom = top + q * w
            source.row(y0, into: top)
            if y1 != y0 { source.row(y1, into: bottom) } else { bottom.update(from: top, count: q * w) }
            for k in 0..<q {
                let a = top + k * w, b = bottom + k * w, target = out + k * width
                for x in 0..<width {
                    let (x0, x1, lx) = xs[x]
                    let upper = (1 - lx) * a[x0] + lx * a[x1], lower = (1 - lx) * b[x0] + lx * b[x1]
                    target[x] = (1 - ly) * upper + ly * lower
                }
            }
        }
    }
}

/// Logits held whole, `queries × height × width` (a band of rows refined by PAMR, or a test's).
public struct PlanarLogitRows: CLIPLogitRows {
    public let planes: [Float]
    public let height: Int, width: Int, queries: Int

    public init(planes: [Float], queries: Int, height: Int, width: Int) {
        precondition(planes.count == queries * height * width, "planes must be queries × height × width")
        self.planes = planes
        self.queries = queries
        self.height = height
        self.width = width
    }

    public func row(_ y: Int, into out: UnsafeMutablePointer<Float>) {
        planes.withUnsafeBufferPointer { p in
            for k in 0..<queries { (out + k * width).update(from: p.baseAddress! + (k * height + y) * width, count: width) }
        }
    }
}
