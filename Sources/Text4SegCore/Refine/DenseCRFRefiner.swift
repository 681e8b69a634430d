import Foundation

/// Fully connected CRF refinement (Krähenbühl and Koltun, "Efficient Inference
/// in Fully Connected CRFs with Gaussian Edge Potentials", NIPS 2011): a
/// Gaussian (smoothness) kernel on positions and a bilateral (appearance)
/// kernel on positions and colors, Potts compatibility, and mean-field
/// inference with both kernels filtered on permutohedral lattices.
///
/// The unary comes from the engine's scores when it has them, else from the
/// upsampled labels with a confidence (`groundTruthProbability`, as
/// pydensecrf's `unary_from_labels`). Only the classes in the grid take part.
public struct DenseCRFRefiner: Refiner, SettingsSection {
    public var iterations: Int
    public var gaussianSXY: Float
    public var gaussianCompat: Float
    public var bilateralSXY: Float
    public var bilateralSRGB: Float
    public var bilateralCompat: Float
    public var groundTruthProbability: Float
    public var upsampling: Upsampling

    public static let section = "crf"

    /// The literature's settings (for soft scores): see ``forPatchLabels`` for hard patch labels.
    public static var defaults: Self { Self() }

    public init(
        iterations: Int = 5, gaussianSXY: Float = 3, gaussianCompat: Float = 3, bilateralSXY: Float = 50, bilateralSRGB: Float = 13,
        bilateralCompat: Float = 10, groundTruthProbability: Float = 0.9, upsampling: Upsampling = .nearest
    ) {
        self.iterations = iterations
        self.gaussianSXY = gaussianSXY
        self.gaussianCompat = gaussianCompat
        self.bilateralSXY = bilateralSXY
        self.bilateralSRGB = bilateralSRGB
        self.bilateralCompat = bilateralCompat
        self.groundTruthProbability = groundTruthProbability
        self.upsampling = upsampling
    }

    public var name: String { "crf" }

    public func validate() throws {
        try check(iterations, 1...100, "iterations")
        for (value, property) in [(gaussianSXY, "gaussianSXY"), (bilateralSXY, "bilateralSXY"), (bilateralSRGB, "bilateralSRGB")] {
            try check(value, 1e-6...1e6, property)
        }
        try check(gaussianCompat, 0...1e6, "gaussianCompat")
        try check(bilateralCompat, 0...1e6, "bilateralCompat")
        try check(groundTruthProbability, 0.01...0.99, "groundTruthProbability")
    }

    /// Settings for hard patch labels (Text4Seg answers, oracle grids), tuned on the VOC dev set:
    /// the literature defaults, made for soft network outputs, over-smooth one-hot labels.
    public static let forPatchLabels = DenseCRFRefiner(bilateralSXY: 15, bilateralSRGB: 5, bilateralCompat: 10, groundTruthProbability: 0.6)

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        let w = input.width, h = input.height, n = w * h
        let planes: ClassPlanes
        let unary: [Float]
        if let scores = input.scores {
            planes = ClassPlanes.scores(scores, grid: input.grid).resized(
                width: w, height: h, upsampling: upsampling, viewSize: input.viewSize)
            unary = DenseCRFRefiner.unary(probabilities: planes)
        } else if upsampling == .bilinear {
            // Soft labels: one-hot maps upsampled bilinearly, so cells' borders are uncertain, then
            // mixed like unary_from_labels (a hard 1 becomes p, a hard 0 becomes (1 − p)/(K − 1)).
            var soft = ClassPlanes.oneHot(input.grid).resized(width: w, height: h, upsampling: .bilinear, viewSize: input.viewSize)
            let k = Float(max(2, soft.classes.count)), p = groundTruthProbability
            soft.planes = soft.planes.map { plane in plane.map { $0 * p + (1 - $0) * (1 - p) / (k - 1) } }
            planes = soft
            unary = DenseCRFRefiner.unary(probabilities: soft)
        } else {
            let labels = try NearestRefiner().refine(input)
            planes = ClassPlanes.oneHot(input.grid)
            unary = DenseCRFRefiner.unary(labels: labels, classes: planes.classes, probability: groundTruthProbability)
        }
        let k = planes.classes.count
        if k < 2 { return LabelMap(width: w, height: h, fill: planes.classes.first ?? 0) }
        let inference = MeanField(
            width: w, height: h, classes: k, image: input.image, gaussianSXY: gaussianSXY, bilateralSXY: bilateralSXY,
            bilateralSRGB: bilateralSRGB)
        let q = inference.run(unary: unary, iterations: iterations, gaussianCompat: gaussianCompat, bilateralCompat: bilateralCompat)
        // A cancelled task (a server's client gone or out of time) stops between iterations.
        try Task.checkCancellation()
        var labels = [UInt16](repeating: 0, count: n)
        for i in 0..<n {
            var best = 0
            for c in 1..<k where q[i * k + c] > q[i * k + best] { best = c }
            labels[i] = planes.classes[best]
        }
        return LabelMap(width: w, height: h, values: labels)
    }

    /// −log p for the label given at each pixel, −log((1 − p)/(K − 1)) for the others; pixel-major.
    static func unary(labels: LabelMap, classes: [UInt16], probability: Float) -> [Float] {
        let k = classes.count
        let positive = -log(probability), negative = -log((1 - probability) / Float(max(1, k - 1)))
        var index = [Int](repeating: -1, count: 65536)
        for (i, c) in classes.enumerated() { index[Int(c)] = i }
        var unary = [Float](repeating: negative, count: labels.values.count * k)
        for (i, v) in labels.values.enumerated() {
            let c = index[Int(v)]
            if c >= 0 { unary[i * k + c] = positive } else { for j in 0..<k { unary[i * k + j] = -log(1 / Float(k)) } }
        }
        return unary
    }

    /// −log of the class scores, normalized per pixel.
    static func unary(probabilities planes: ClassPlanes) -> [Float] {
        let k = planes.classes.count, n = planes.width * planes.height
        var unary = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            var total: Float = 0
            for c in 0..<k { total += max(0, planes.planes[c][i]) }
            for c in 0..<k { unary[i * k + c] = -log(max(1e-6, max(0, planes.planes[c][i]) / max(total, 1e-12))) }
        }
        return unary
    }
}

/// Mean-field inference for a dense CRF with one Gaussian and one bilateral kernel (Potts).
struct MeanField {
    let pointCount: Int
    let classes: Int
    let gaussian: PermutohedralLattice
    let bilateral: PermutohedralLattice
    let gaussianNorm: [Float]
    let bilateralNorm: [Float]

    init(width: Int, height: Int, classes: Int, image: RGBImage, gaussianSXY: Float, bilateralSXY: Float, bilateralSRGB: Float) {
        let n = width * height
        pointCount = n
        self.classes = classes
        var positions = [Float](repeating: 0, count: n * 2)
        var appearance = [Float](repeating: 0, count: n * 5)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                positions[2 * i] = Float(x) / gaussianSXY
                positions[2 * i + 1] = Float(y) / gaussianSXY
                appearance[5 * i] = Float(x) / bilateralSXY
                appearance[5 * i + 1] = Float(y) / bilateralSXY
                for c in 0..<3 { appearance[5 * i + 2 + c] = Float(image.pixels[3 * i + c]) / bilateralSRGB }
            }
        }
        gaussian = PermutohedralLattice(features: positions, pointCount: n, dimension: 2)
        bilateral = PermutohedralLattice(features: appearance, pointCount: n, dimension: 5)
        // Symmetric normalization: out = D^-1/2 K D^-1/2 in, with D = K 1.
        let ones = [Float](repeating: 1, count: n)
        gaussianNorm = gaussian.filter(ones, channels: 1).map { 1 / ($0 + 1e-20).squareRoot() }
        bilateralNorm = bilateral.filter(ones, channels: 1).map { 1 / ($0 + 1e-20).squareRoot() }
    }

    func run(unary: [Float], iterations: Int, gaussianCompat: Float, bilateralCompat: Float) -> [Float] {
        let count = unary.count
        var logits = [Float](repeating: 0, count: count)
        for i in 0..<count { logits[i] = -unary[i] }
        var q = logits
        q.withUnsafeMutableBufferPointer { Vector.softmaxRows($0.baseAddress!, rows: pointCount, width: classes) }
        var workspace = LatticeWorkspace()
        for _ in 0..<iterations where !Task.isCancelled {
            logits.withUnsafeMutableBufferPointer { l in
                unary.withUnsafeBufferPointer { u in
                    for i in 0..<count { l[i] = -u[i] }
                }
            }
            // Each kernel's message is added straight into the logits as it is sliced.
            gaussian.filter(q, channels: classes, scale: gaussianNorm, into: &logits, workspace: &workspace, accumulate: gaussianCompat)
            bilateral.filter(q, channels: classes, scale: bilateralNorm, into: &logits, workspace: &workspace, accumulate: bilateralCompat)
            q.withUnsafeMutableBufferPointer { q in
                logits.withUnsafeBufferPointer { q.baseAddress!.update(from: $0.baseAddress!, count: count) }
                Vector.softmaxRows(q.baseAddress!, rows: pointCount, width: classes)
            }
        }
        return q
    }
}
