/// Bilinear upsampling of the per-class maps, then the best class per pixel.
public struct BilinearRefiner: Refiner {
    public init() {}

    public var name: String { "bilinear" }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        (input.scores.map { ClassPlanes.scores($0, grid: input.grid) } ?? ClassPlanes.oneHot(input.grid))
            .resized(width: input.width, height: input.height, upsampling: .bilinear)
            .argmax()
    }
}
