/// Bilinear upsampling of the per-class maps, then ``PAMR`` guided by the image,
/// then the best class per pixel: NACLIP's post-processing (10 iterations,
/// dilations 8 and 16) on the engine's scores, or on the grid's one-hot planes
/// when the engine gives none.
///
/// ```swift
/// let map = try PAMRRefiner().refine(RefinementInput(grid: grid, scores: scores, image: image))
/// ```
public struct PAMRRefiner: Refiner {
    /// The refinement's settings.
    public var pamr: PAMR

    /// - Parameters:
    ///   - iterations: how many propagation steps (NACLIP's `pamr_steps`).
    ///   - dilations: the neighbour distances in pixels (NACLIP's `pamr_stride`).
    public init(iterations: Int = 10, dilations: [Int] = [8, 16]) {
        pamr = PAMR(iterations: iterations, dilations: dilations)
    }

    public var name: String { "pamr" }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        let planes = (input.scores.map { ClassPlanes.scores($0, grid: input.grid) } ?? ClassPlanes.oneHot(input.grid))
            .resized(width: input.width, height: input.height, upsampling: .bilinear)
        return pamr.refine(planes, image: input.image).argmax()
    }
}

extension PAMR {
    /// The planes refined with `image` as the guide, its RGB values scaled to [0, 1]
    /// (NACLIP normalises with CLIP's mean and deviation instead; the weights do not
    /// depend on a per-channel affine scale, but for the 1e-8 in their denominator).
    /// The planes must have the image's size.
    public func refine(_ planes: ClassPlanes, image: RGBImage) -> ClassPlanes {
        precondition(planes.width == image.width && planes.height == image.height, "the planes must have the image's size")
        let area = image.width * image.height
        var guide = [Float](repeating: 0, count: 3 * area)
        for i in 0..<area {
            for k in 0..<3 { guide[k * area + i] = Float(image.pixels[3 * i + k]) / 255 }
        }
        var values = planes.planes.flatMap { $0 }
        refine(
            &values, channels: planes.planes.count, image: guide, imageChannels: 3, width: image.width, height: image.height)
        let refined = (0..<planes.planes.count).map { Array(values[($0 * area)..<(($0 + 1) * area)]) }
        return ClassPlanes(width: planes.width, height: planes.height, classes: planes.classes, planes: refined)
    }
}
