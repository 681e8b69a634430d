/// Edge-aware refinement with the color guided filter (He, Sun and Tang,
/// "Guided Image Filtering", ECCV 2010): each class's upsampled map is
/// filtered with the RGB image as the guide, so label edges move to color
/// edges, and the label is the class with the highest filtered score.
///
/// Cost is O(pixels) per class through box filters: the guide's statistics are
/// computed once, then eight box filters per class present.
///
///     let refiner = GuidedFilterRefiner(radius: 8, epsilon: 0.01)
public struct GuidedFilterRefiner: Refiner, SettingsSection {
    public var radius: Int
    /// Regularization on the guide's local variance (image values in 0…1).
    public var epsilon: Float
    public var upsampling: Upsampling

    public static let section = "guided"

    public static var defaults: Self { Self() }

    public init(radius: Int = 8, epsilon: Float = 0.01, upsampling: Upsampling = .bilinear) {
        self.radius = radius
        self.epsilon = epsilon
        self.upsampling = upsampling
    }

    public var name: String { "guided" }

    public func validate() throws {
        try check(radius, 1...256, "radius")
        try check(epsilon, 1e-9...1e6, "epsilon")
    }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        var planes = (input.scores.map { ClassPlanes.scores($0, grid: input.grid) } ?? ClassPlanes.oneHot(input.grid))
            .resized(width: input.width, height: input.height, upsampling: upsampling, viewSize: input.viewSize)
        if planes.classes.count < 2 { return planes.argmax() }
        let guide = GuideStatistics(input.image, radius: radius, epsilon: epsilon)
        planes.planes = planes.planes.map { guide.filter($0) }
        return planes.argmax()
    }
}

/// What the color guided filter needs from the guide image, computed once per image.
struct GuideStatistics {
    let width: Int
    let height: Int
    let radius: Int
    /// The three channels in 0…1.
    let channels: [[Float]]
    let means: [[Float]]
    /// The inverse of each pixel's regularized 3×3 color covariance: rr, rg, rb, gg, gb, bb.
    let inverse: [[Float]]

    init(_ image: RGBImage, radius: Int, epsilon: Float) {
        width = image.width
        height = image.height
        self.radius = radius
        let n = width * height
        var channels = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        for i in 0..<n {
            for c in 0..<3 { channels[c][i] = Float(image.pixels[3 * i + c]) / 255 }
        }
        self.channels = channels
        let w = width, h = height
        let means = channels.map { BoxFilter.mean($0, width: w, height: h, radius: radius) }
        self.means = means
        func covariance(_ a: Int, _ b: Int) -> [Float] {
            var product = [Float](repeating: 0, count: n)
            for i in 0..<n { product[i] = channels[a][i] * channels[b][i] }
            var mean = BoxFilter.mean(product, width: w, height: h, radius: radius)
            for i in 0..<n { mean[i] -= means[a][i] * means[b][i] }
            return mean
        }
        let rr = covariance(0, 0), rg = covariance(0, 1), rb = covariance(0, 2)
        let gg = covariance(1, 1), gb = covariance(1, 2), bb = covariance(2, 2)
        var inverse = [[Float]](repeating: [Float](repeating: 0, count: n), count: 6)
        for i in 0..<n {
            let a = rr[i] + epsilon, b = rg[i], c = rb[i], d = gg[i] + epsilon, e = gb[i], f = bb[i] + epsilon
            // Symmetric 3×3 inverse by cofactors.
            let i00 = d * f - e * e, i01 = c * e - b * f, i02 = b * e - c * d
            let i11 = a * f - c * c, i12 = b * c - a * e, i22 = a * d - b * b
            let det = a * i00 + b * i01 + c * i02
            let s = det != 0 ? 1 / det : 0
            inverse[0][i] = i00 * s
            inverse[1][i] = i01 * s
            inverse[2][i] = i02 * s
            inverse[3][i] = i11 * s
            inverse[4][i] = i12 * s
            inverse[5][i] = i22 * s
        }
        self.inverse = inverse
    }

    /// The filtered version of `p` (same size as the guide).
    func filter(_ p: [Float]) -> [Float] {
        let n = width * height, w = width, h = height, r = radius
        let meanP = BoxFilter.mean(p, width: w, height: h, radius: r)
        var covIP = [[Float]](repeating: [], count: 3)
        for c in 0..<3 {
            var product = [Float](repeating: 0, count: n)
            for i in 0..<n { product[i] = channels[c][i] * p[i] }
            var mean = BoxFilter.mean(product, width: w, height: h, radius: r)
            for i in 0..<n { mean[i] -= means[c][i] * meanP[i] }
            covIP[c] = mean
        }
        var a = [[Float]](repeating: [Float](repeating: 0, count: n), count: 3)
        var b = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let x = covIP[0][i], y = covIP[1][i], z = covIP[2][i]
            let ar = inverse[0][i] * x + inverse[1][i] * y + inverse[2][i] * z
            let ag = inverse[1][i] * x + inverse[3][i] * y + inverse[4][i] * z
            let ab = inverse[2][i] * x + inverse[4][i] * y + inverse[5][i] * z
            a[0][i] = ar
            a[1][i] = ag
            a[2][i] = ab
            b[i] = meanP[i] - ar * means[0][i] - ag * means[1][i] - ab * means[2][i]
        }
        let meanA = a.map { BoxFilter.mean($0, width: w, height: h, radius: r) }
        let meanB = BoxFilter.mean(b, width: w, height: h, radius: r)
        var q = [Float](repeating: 0, count: n)
        for i in 0..<n {
            q[i] = meanA[0][i] * channels[0][i] + meanA[1][i] * channels[1][i] + meanA[2][i] * channels[2][i] + meanB[i]
        }
        return q
    }
}
