import Text4SegCore

/// The pixels of one class in a label map: its bounding box and area, and run-length views
/// of its binary mask in the orders the annotation formats use.
///
///     for mask in ClassMask.all(in: map, skipping: [0, 255]) { print(mask.value, mask.area, mask.box) }
public struct ClassMask: Sendable, Equatable {
    /// The box around the class's pixels: left, top, width and height, in pixels.
    public struct Box: Sendable, Equatable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int
    }

    /// The label value.
    public var value: Int
    public var area: Int
    public var box: Box
    public let map: LabelMap

    /// One mask per value present in `map`, ascending, leaving out `skipping` (the others class,
    /// the ignore value).
    public static func all(in map: LabelMap, skipping: Set<Int> = []) -> [ClassMask] {
        var minX = [Int](repeating: Int.max, count: 65_536), minY = minX
        var maxX = [Int](repeating: -1, count: 65_536), maxY = maxX
        var area = [Int](repeating: 0, count: 65_536)
        map.values.withUnsafeBufferPointer { values in
            for y in 0..<map.height {
                let row = y * map.width
                for x in 0..<map.width {
                    let v = Int(values[row + x])
                    area[v] += 1
                    if x < minX[v] { minX[v] = x }
                    if x > maxX[v] { maxX[v] = x }
                    if y < minY[v] { minY[v] = y }
                    maxY[v] = y
                }
            }
        }
        return (0..<65_536).filter { area[$0] > 0 && !skipping.contains($0) }.map { v in
            ClassMask(
                value: v, area: area[v], box: Box(x: minX[v], y: minY[v], width: maxX[v] - minX[v] + 1, height: maxY[v] - minY[v] + 1),
                map: map)
        }
    }

    /// Alternating run lengths of "not the class" and "the class" over the whole image in
    /// column-major order (down each column, left to right), starting with "not the class"
    /// (possibly 0): COCO's uncompressed RLE.
    public func columnMajorRuns() -> [Int] {
        var runs = RunCounter()
        let target = UInt16(value)
        map.values.withUnsafeBufferPointer { values in
            for x in 0..<map.width {
                for y in 0..<map.height { runs.add(values[y * map.width + x] == target) }
            }
        }
        return runs.finish()
    }

    /// The same over the whole image in row-major order: Label Studio's pixel order.
    public func rowMajorRuns() -> [Int] {
        var runs = RunCounter()
        let target = UInt16(value)
        for value in map.values { runs.add(value == target) }
        return runs.finish()
    }

    /// The same over ``box`` in row-major order: CVAT's mask RLE.
    public func boxRowMajorRuns() -> [Int] {
        var runs = RunCounter()
        let target = UInt16(value)
        map.values.withUnsafeBufferPointer { values in
            for y in box.y..<(box.y + box.height) {
                for x in box.x..<(box.x + box.width) { runs.add(values[y * map.width + x] == target) }
            }
        }
        return runs.finish()
    }
}
