/// Seeded watershed: keeps the patch labels where they are safe and lets the
/// image decide the rest.
///
/// Each cell of a Text4Seg grid is the label at one point of the image, its
/// center (targets are built with a nearest-neighbor resize), and that label
/// is trustworthy away from the places where labels change. So:
///
/// 1. Upsample with the reference nearest rule. Mark as certain every pixel
///    farther than a margin from a label change, and each cell's sample point.
/// 2. Flood the unmarked band from the marks (``MarkerFlooding``): a pixel is
///    claimed sooner the weaker its L*a*b* gradient and the closer its color
///    to the mark the flood started from, so each label stops at the edge
///    between its marks and the next label's.
///
/// Margins are measured in cells (a cell's width horizontally, its height
/// vertically), so one setting serves every grid and image size. `others`
/// gets a wider margin than the classes: Text4Seg's targets fold the dataset's
/// void pixels (the outlines drawn around PASCAL objects) into `others`, so
/// an `others` cell beside an object is often an outline sample rather than
/// background, and only wide `others` areas are taken as certain.
public struct WatershedRefiner: Refiner, SettingsSection {
    /// Margin around label changes inside which a class's pixels are re-decided, in cells.
    public var margin: Float
    /// The same for `others` (the input's ``RefinementInput/others``), in cells.
    public var othersMargin: Float
    /// Gaussian smoothing of the image before the gradient and the color comparison, in pixels.
    public var sigma: Float
    /// Weight of the color distance to the flood's starting mark, against the gradient.
    public var colorWeight: Float
    /// Scale of L* against a* and b*: below 1, shading counts less than a change of hue.
    public var lightnessWeight: Float

    public static let section = "watershed"

    public static var defaults: Self { Self() }

    public init(
        margin: Float = 0.34, othersMargin: Float = 1.6, sigma: Float = 1.5,
        colorWeight: Float = 0.3, lightnessWeight: Float = 0.5
    ) {
        self.margin = margin
        self.othersMargin = othersMargin
        self.sigma = sigma
        self.colorWeight = colorWeight
        self.lightnessWeight = lightnessWeight
    }

    public var name: String { "watershed" }

    public func validate() throws {
        for (value, property) in [
            (margin, "margin"), (othersMargin, "othersMargin"), (colorWeight, "colorWeight"), (lightnessWeight, "lightnessWeight"),
        ] {
            try check(value, 0...1e6, property)
        }
        try check(sigma, 1e-6...1e6, "sigma")
    }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        let nearest = try NearestRefiner().refine(input)
        let grid = input.grid
        guard let first = grid.values.first, grid.values.contains(where: { $0 != first }) else { return nearest }
        var labels = marks(nearest, grid: grid, others: input.others)
        let color = EdgeStrength.lab(input.image, lightnessWeight: lightnessWeight, sigma: sigma)
        let edges = EdgeStrength.gradient(color, width: input.width, height: input.height)
        MarkerFlooding.flood(labels: &labels, edges: edges, color: color, width: input.width, colorWeight: colorWeight)
        // Every pixel is 4-connected to some mark, so the flood reaches them all.
        return LabelMap(width: input.width, height: input.height, values: labels.map { UInt16(truncatingIfNeeded: $0) })
    }

    /// The certain pixels' labels, -1 elsewhere.
    func marks(_ nearest: LabelMap, grid: DescriptorGrid, others: UInt16?) -> [Int32] {
        let (w, h) = (nearest.width, nearest.height)
        var changes = [Bool](repeating: false, count: w * h)
        nearest.values.withUnsafeBufferPointer { v in
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    if x + 1 < w, v[i] != v[i + 1] { changes[i] = true; changes[i + 1] = true }
                    if y + 1 < h, v[i] != v[i + w] { changes[i] = true; changes[i + w] = true }
                }
            }
        }
        // Distances in cells: one pixel is 1/cellWidth of a cell across, 1/cellHeight down.
        let squared = DistanceTransform.squared(
            width: w, height: h, isSite: changes,
            spacingX: Float(grid.cols) / Float(w), spacingY: Float(grid.rows) / Float(h))
        let (classLimit, othersLimit) = (margin * margin, othersMargin * othersMargin)
        var labels = [Int32](repeating: -1, count: w * h)
        for i in 0..<(w * h) {
            let value = nearest.values[i]
            if squared[i] > (value == others ? othersLimit : classLimit) { labels[i] = Int32(value) }
        }
        let xs = LabelMap.pillowNearestIndices(input: w, output: grid.cols)
        let ys = LabelMap.pillowNearestIndices(input: h, output: grid.rows)
        for r in 0..<grid.rows {
            for c in 0..<grid.cols { labels[ys[r] * w + xs[c]] = Int32(grid[r, c]) }
        }
        return labels
    }
}
