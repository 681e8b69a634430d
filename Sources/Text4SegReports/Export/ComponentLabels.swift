/// The 4-connected components of a class's pixels within its box, each pixel labeled with its
/// component (flood fill with an explicit stack: linear time, no recursion).
struct ComponentLabels {
    private let mask: ClassMask
    private var labels: [Int32]

    init(_ mask: ClassMask) {
        self.mask = mask
        let box = mask.box, map = mask.map, target = UInt16(mask.value)
        labels = [Int32](repeating: -1, count: box.width * box.height)
        var next: Int32 = 0
        var stack: [Int] = []
        for start in labels.indices where labels[start] < 0 {
            let sx = box.x + start % box.width, sy = box.y + start / box.width
            guard map.values[sy * map.width + sx] == target else { continue }
            labels[start] = next
            stack.append(start)
            while let local = stack.popLast() {
                let x = local % box.width, y = local / box.width
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < box.width && ny < box.height {
                    let neighbor = ny * box.width + nx
                    guard labels[neighbor] < 0, map.values[(box.y + ny) * map.width + box.x + nx] == target else { continue }
                    labels[neighbor] = next
                    stack.append(neighbor)
                }
            }
            next += 1
        }
    }

    /// The component of the class's pixel at row-major index `pixel` of the map.
    func label(ofPixel pixel: Int) -> Int {
        let x = pixel % mask.map.width - mask.box.x, y = pixel / mask.map.width - mask.box.y
        return Int(labels[y * mask.box.width + x])
    }
}
