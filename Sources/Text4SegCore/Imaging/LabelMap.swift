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

    /// The map stretched to `width × height`, each pixel taking source floor(d · in / out).
    public func resizedNearest(width: Int, height: Int) -> LabelMap {
        if width == self.width && height == self.height { return self }
        let xs = Resampling.floorIndices(input: self.width, output: width)
        let ys = Resampling.floorIndices(input: self.height, output: height)
        var out = [UInt16](repeating: 0, count: width * height)
        out.withUnsafeMutableBufferPointer { target in
            values.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    let row = ys[y] * self.width, base = y * width
                    for x in 0..<width { target[base + x] = source[row + xs[x]] }
                }
            }
        }
        return LabelMap(width: width, height: height, values: out)
    }

    /// How many pixels hold each value present.
    public func valueCounts() -> [Int: Int] {
        var counts = [Int](repeating: 0, count: 65_536)
        for value in values { counts[Int(value)] += 1 }
        var result: [Int: Int] = [:]
        for (value, count) in counts.enumerated() where count > 0 { result[value] = count }
        return result
    }
}
