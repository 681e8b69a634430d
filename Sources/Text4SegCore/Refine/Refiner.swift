/// What a refiner gets: the engine's grid (and per-class scores, when the
/// engine has them), the image, whose size the output must have, and the
/// geometry of the request: the view the grid was made on and the value
/// `others` decodes to. ``Segmenter`` fills both from its prompt and vocabulary,
/// so no refiner keeps its own copy.
public struct RefinementInput: Sendable {
    public var grid: DescriptorGrid
    /// Per-class score maps over the grid, `[class id: rows × cols scores]`, when the engine gives them.
    public var scores: [Int: [Float]]?
    /// The full-resolution image, for edge-aware smoothers.
    public var image: RGBImage
    /// The engine's view side: nearest upsampling goes grid → `viewSize²` → image, as Text4Seg's does.
    public var viewSize: Int
    /// The label value `others` decodes to (`nil`: no such value gets special treatment).
    public var others: UInt16?
    /// The engine's own full-resolution labels, when it decides per pixel (``EngineOutput/labelMap``).
    public var engineLabels: LabelMap?

    public init(
        grid: DescriptorGrid, scores: [Int: [Float]]? = nil, image: RGBImage, viewSize: Int = PromptBuilder.defaultViewSize,
        others: UInt16? = 0, engineLabels: LabelMap? = nil
    ) {
        self.grid = grid
        self.scores = scores
        self.image = image
        self.viewSize = viewSize
        self.others = others
        self.engineLabels = engineLabels
    }

    public var width: Int { image.width }
    public var height: Int { image.height }
}

/// Turns patch labels into a full-resolution label map.
///
/// ``NearestRefiner`` reproduces Text4Seg's reference upsampling. Smoothing
/// refiners (guided filter, DenseCRF, mode filter) implement the same protocol.
public protocol Refiner: Sendable {
    /// A short name, as given to `--refine`.
    var name: String { get }
    func refine(_ input: RefinementInput) throws -> LabelMap
    /// Whether ``Segmenter`` should refine a large image at a reduced size (see
    /// ``Segmenter/maxRefinePixels``). Default: true; false for refiners whose cost does not grow
    /// with the picture (``EngineLabelsRefiner`` hands over labels already made).
    var needsBoundedSize: Bool { get }
}

extension Refiner {
    public var needsBoundedSize: Bool { true }
}

/// Nearest-neighbor upsampling exactly as Text4Seg's evaluation does it:
/// the grid goes to `input.viewSize²` first, then to the image size, each
/// step taking source index floor(dst · in / out).
public struct NearestRefiner: Refiner {
    public init() {}

    public var name: String { "nearest" }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        let grid = input.grid
        let xs = Resampling.nearestThroughView(input: grid.cols, view: input.viewSize, output: input.width)
        let ys = Resampling.nearestThroughView(input: grid.rows, view: input.viewSize, output: input.height)
        var values = [UInt16](repeating: 0, count: input.width * input.height)
        values.withUnsafeMutableBufferPointer { out in
            grid.values.withUnsafeBufferPointer { cells in
                let width = input.width
                for y in 0..<input.height {
                    let base = y * width
                    if y > 0 && ys[y] == ys[y - 1] {
                        // Same source row as the line above: copy it.
                        (out.baseAddress! + base).update(from: out.baseAddress! + base - width, count: width)
                        continue
                    }
                    let rowStart = ys[y] * grid.cols
                    for x in 0..<width { out[base + x] = cells[rowStart + xs[x]] }
                }
            }
        }
        return LabelMap(width: input.width, height: input.height, values: values)
    }
}
