/// A `width × height` map of class ids (label values), row-major.
///
/// Values are kept as `UInt16` so vocabularies with 255 or more classes fit;
/// PNG files use 8 bits when every value does.
public struct LabelMap: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [UInt16]

    public init(width: Int, height: Int, values: [UInt16]) {
        precondition(values.count == width * height, "label values must be width × height")
        self.width = width
        self.height = height
        self.values = values
    }

    public init(width: Int, height: Int, fill: UInt16 = 0) {
        self.init(width: width, height: height, values: Array(repeating: fill, count: width * height))
    }

    public subscript(x: Int, y: Int) -> UInt16 {
        get { values[y * width + x] }
        set { values[y * width + x] = newValue }
    }

    /// The largest value in the map.
    public var maxValue: UInt16 { values.max() ?? 0 }
}
