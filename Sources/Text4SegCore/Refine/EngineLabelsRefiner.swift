/// Passes on the labels the engine decided itself at full resolution (``EngineOutput/labelMap``):
/// for the `clip` engine, its method's own per-pixel pipeline, the default there.
public struct EngineLabelsRefiner: Refiner {
    public init() {}

    public var name: String { "method" }

    public var needsBoundedSize: Bool { false }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        guard let labels = input.engineLabels else { throw RefinerError.needsEngineLabels }
        guard labels.width == input.width, labels.height == input.height else {
            throw RefinerError.engineLabelsSize(
                width: labels.width, height: labels.height, imageWidth: input.width, imageHeight: input.height)
        }
        return labels
    }
}

/// Why a refiner cannot refine what it was given.
public enum RefinerError: Error, Equatable, CustomStringConvertible {
    /// `--refine method` with an engine that gives no labels of its own.
    case needsEngineLabels
    /// The engine's labels do not have the image's size.
    case engineLabelsSize(width: Int, height: Int, imageWidth: Int, imageHeight: Int)

    public var description: String {
        switch self {
        case .needsEngineLabels:
            return "refiner 'method' takes the engine's own full-resolution labels, and this engine gives none (only clip does)"
        case let .engineLabelsSize(width, height, imageWidth, imageHeight):
            return "the engine's labels are \(width)×\(height), the image \(imageWidth)×\(imageHeight)"
        }
    }
}
