/// A majority filter, the cheap baseline: each pixel takes the most frequent
/// label in the `(2r + 1)²` window around it after nearest upsampling.
public struct ModeFilterRefiner: Refiner, SettingsSection {
    public var radius: Int

    public static let section = "mode"

    public static var defaults: Self { Self() }

    public init(radius: Int = 7) {
        self.radius = radius
    }

    public var name: String { "mode" }

    public func validate() throws { try check(radius, 1...256, "radius") }

    public func refine(_ input: RefinementInput) throws -> LabelMap {
        var planes = ClassPlanes.oneHot(input.grid).resized(
            width: input.width, height: input.height, upsampling: .nearest, viewSize: input.viewSize)
        if planes.classes.count < 2 { return planes.argmax() }
        // The window mean of a class's indicator is its share of the window.
        planes.planes = planes.planes.map { BoxFilter.mean($0, width: input.width, height: input.height, radius: radius) }
        return planes.argmax()
    }
}
