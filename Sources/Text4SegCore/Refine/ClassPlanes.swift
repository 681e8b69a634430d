/// Per-class score planes over an image: the form smoothing refiners work in.
///
/// Only the classes that take part are stored (those present in the grid, or
/// scored by the engine), so the cost follows the classes in the image, not
/// the size of the vocabulary.
public struct ClassPlanes: Sendable {
    public let width: Int
    public let height: Int
    /// The label value of each plane.
    public var classes: [UInt16]
    /// One `width × height` plane per class, row-major.
    public var planes: [[Float]]

    public init(width: Int, height: Int, classes: [UInt16], planes: [[Float]]) {
        precondition(classes.count == planes.count && planes.allSatisfy { $0.count == width * height }, "one full plane per class")
        self.width = width
        self.height = height
        self.classes = classes
        self.planes = planes
    }

    /// The label with the highest score at each pixel (ties: the earlier plane).
    public func argmax() -> LabelMap {
        let n = width * height
        guard let first = planes.first else { return LabelMap(width: width, height: height) }
        var best = first
        var labels = [UInt16](repeating: classes[0], count: n)
        for k in 1..<planes.count {
            let label = classes[k]
            planes[k].withUnsafeBufferPointer { plane in
                best.withUnsafeMutableBufferPointer { best in
                    labels.withUnsafeMutableBufferPointer { labels in
                        for i in 0..<n where plane[i] > best[i] {
                            best[i] = plane[i]
                            labels[i] = label
                        }
                    }
                }
            }
        }
        return LabelMap(width: width, height: height, values: labels)
    }

    /// One-hot planes of a grid, at grid resolution, for the classes it contains (sorted).
    public static func oneHot(_ grid: DescriptorGrid) -> ClassPlanes {
        let classes = Array(Set(grid.values)).sorted()
        let planes = classes.map { label in grid.values.map { $0 == label ? Float(1) : 0 } }
        return ClassPlanes(width: grid.cols, height: grid.rows, classes: classes, planes: planes)
    }

    /// Planes from an engine's per-class scores over the grid. Classes whose best
    /// score stays below `minimum` everywhere are left out, unless they win a cell.
    public static func scores(_ scores: [Int: [Float]], grid: DescriptorGrid, minimum: Float = 0.05) -> ClassPlanes {
        let present = Set(grid.values.map(Int.init))
        let classes = scores.keys.filter { present.contains($0) || (scores[$0]!.max() ?? 0) >= minimum }.sorted()
        return ClassPlanes(
            width: grid.cols, height: grid.rows, classes: classes.map { UInt16(clamping: $0) }, planes: classes.map { scores[$0]! })
    }

    /// Each plane resized to `width × height`: nearest through the reference's
    /// square view (``NearestRefiner``'s rule), or bilinear with pixel centers aligned.
    public func resized(width: Int, height: Int, upsampling: Upsampling, viewSize: Int = PromptBuilder.defaultViewSize) -> ClassPlanes {
        let out: [[Float]]
        switch upsampling {
        case .nearest:
            let xs = Resampling.nearestThroughView(input: self.width, view: viewSize, output: width)
            let ys = Resampling.nearestThroughView(input: self.height, view: viewSize, output: height)
            out = planes.map { plane in
                var result = [Float](repeating: 0, count: width * height)
                for y in 0..<height {
                    let row = ys[y] * self.width
                    for x in 0..<width { result[y * width + x] = plane[row + xs[x]] }
                }
                return result
            }
        case .bilinear:
            let (x0, x1, fx) = Resampling.linearTaps(input: self.width, output: width)
            let (y0, y1, fy) = Resampling.linearTaps(input: self.height, output: height)
            out = planes.map { plane in
                var result = [Float](repeating: 0, count: width * height)
                plane.withUnsafeBufferPointer { p in
                    result.withUnsafeMutableBufferPointer { r in
                        for y in 0..<height {
                            let a = y0[y] * self.width, b = y1[y] * self.width, wy = fy[y]
                            for x in 0..<width {
                                let top = p[a + x0[x]] + (p[a + x1[x]] - p[a + x0[x]]) * fx[x]
                                let bottom = p[b + x0[x]] + (p[b + x1[x]] - p[b + x0[x]]) * fx[x]
                                r[y * width + x] = top + (bottom - top) * wy
                            }
                        }
                    }
                }
                return result
            }
        }
        return ClassPlanes(width: width, height: height, classes: classes, planes: out)
    }
}

/// How patch scores are brought to full resolution.
public enum Upsampling: String, Sendable, CaseIterable, Codable, SettingChoice {
    /// Text4Seg's reference: G×G → view → H×W, nearest at each step.
    case nearest
    /// Bilinear on the per-class maps (one-hot, or the engine's scores).
    case bilinear
}
