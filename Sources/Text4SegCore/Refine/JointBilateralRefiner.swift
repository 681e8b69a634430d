import Foundation

/// Joint bilateral upsampling (Kopf, Cohen, Lischinski and Uyttendaele, SIGGRAPH
/// 2007) of the descriptor grid, treating each cell's label as what it is in
/// Text4Seg's training targets: the label at the cell's center pixel (Pillow's
/// nearest resize samples exactly there). Each pixel weighs the labels of the
/// cell centers around it by distance and by how alike its color is to the
/// color at each center, so boundaries between centers follow image edges.
///
///     let refiner = JointBilateralRefiner(spatialSigma: 0.5, colorSigma: 20)
public struct JointBilateralRefiner: Refiner, SettingsSection {
    /// Spatial standard deviation, in cells.
    public var spatialSigma: Float
    /// Color standard deviation, in 0…255 RGB units.
    public var colorSigma: Float
    /// Centers considered on each side, in cells (2 → a 4×4 neighborhood).
    public var reach: Int

    public static let section = "jbu"

    public static var defaults: Self { Self() }

    public init(spatialSigma: Float = 0.5, colorSigma: Float = 20, reach: Int = 2) {
        self.spatialSigma = spatialSigma
        self.colorSigma = colorSigma
        self.reach = reach
    }

    public var name: String { "jbu" }

    public func validate() throws {
        try check(spatialSigma, 1e-6...1e6, "spatialSigma")
        try check(colorSigma, 1e-6...1e6, "colorSigma")
        try check(reach, 1...16, "reach")
    }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        let grid = input.grid, image = input.image
        let w = image.width, h = image.height, rows = grid.rows, cols = grid.cols
        let planes = input.scores.map { ClassPlanes.scores($0, grid: grid) } ?? ClassPlanes.oneHot(grid)
        let k = planes.classes.count
        if k < 2 { return LabelMap(width: w, height: h, fill: planes.classes.first ?? 0) }
        // Where each center sits, and its color (3×3 mean, to be robust to noise).
        let cx = LabelMap.pillowNearestIndices(input: w, output: cols)
        let cy = LabelMap.pillowNearestIndices(input: h, output: rows)
        var centerColor = [Float](repeating: 0, count: rows * cols * 3)
        for r in 0..<rows {
            for c in 0..<cols {
                var sum: (Float, Float, Float) = (0, 0, 0)
                var n: Float = 0
                for y in max(0, cy[r] - 1)...min(h - 1, cy[r] + 1) {
                    for x in max(0, cx[c] - 1)...min(w - 1, cx[c] + 1) {
                        let i = 3 * (y * w + x)
                        sum.0 += Float(image.pixels[i])
                        sum.1 += Float(image.pixels[i + 1])
                        sum.2 += Float(image.pixels[i + 2])
                        n += 1
                    }
                }
                let o = 3 * (r * cols + c)
                centerColor[o] = sum.0 / n
                centerColor[o + 1] = sum.1 / n
                centerColor[o + 2] = sum.2 / n
            }
        }
        // Scores of each cell, cell-major, for quick access.
        var cellScores = [Float](repeating: 0, count: rows * cols * k)
        for c in 0..<k { for i in 0..<(rows * cols) { cellScores[i * k + c] = planes.planes[c][i] } }
        let spatial = -1 / (2 * spatialSigma * spatialSigma)
        let range = -1 / (2 * colorSigma * colorSigma)
        let cellW = Float(w) / Float(cols), cellH = Float(h) / Float(rows)
        var labels = [UInt16](repeating: 0, count: w * h)
        var accumulator = [Float](repeating: 0, count: k)
        for y in 0..<h {
            // Position in cell units, centers at integer + 0.5 − 0.5 = integer.
            let gy = (Float(y) + 0.5) / cellH - 0.5
            let r0 = max(0, Int(gy.rounded(.down)) - reach + 1), r1 = min(rows - 1, Int(gy.rounded(.down)) + reach)
            for x in 0..<w {
                let gx = (Float(x) + 0.5) / cellW - 0.5
                let c0 = max(0, Int(gx.rounded(.down)) - reach + 1), c1 = min(cols - 1, Int(gx.rounded(.down)) + reach)
                let p = 3 * (y * w + x)
                let pr = Float(image.pixels[p]), pg = Float(image.pixels[p + 1]), pb = Float(image.pixels[p + 2])
                for c in 0..<k { accumulator[c] = 0 }
                for r in r0...r1 {
                    let dy = gy - Float(r)
                    for c in c0...c1 {
                        let dx = gx - Float(c)
                        let o = 3 * (r * cols + c)
                        let dr = pr - centerColor[o], dg = pg - centerColor[o + 1], db = pb - centerColor[o + 2]
                        let weight = exp(spatial * (dx * dx + dy * dy) + range * (dr * dr + dg * dg + db * db)) + 1e-12
                        let cell = (r * cols + c) * k
                        for l in 0..<k { accumulator[l] += weight * cellScores[cell + l] }
                    }
                }
                var best = 0
                for l in 1..<k where accumulator[l] > accumulator[best] { best = l }
                labels[y * w + x] = planes.classes[best]
            }
        }
        return LabelMap(width: w, height: h, values: labels)
    }
}
