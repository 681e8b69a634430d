/// Mean over a `(2r + 1)²` window, clipped at the borders (each output divided
/// by the pixels its window actually covers). O(pixels) whatever the radius.
enum BoxFilter {
    static func mean(_ input: [Float], width: Int, height: Int, radius r: Int) -> [Float] {
        var horizontal = [Float](repeating: 0, count: input.count)
        var out = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { h in
                for y in 0..<height {
                    let row = y * width
                    var sum: Float = 0
                    for x in 0..<min(r, width) { sum += src[row + x] }
                    for x in 0..<width {
                        if x + r < width { sum += src[row + x + r] }
                        if x - r - 1 >= 0 { sum -= src[row + x - r - 1] }
                        h[row + x] = sum / Float(min(width - 1, x + r) - max(0, x - r) + 1)
                    }
                }
            }
        }
        horizontal.withUnsafeBufferPointer { h in
            out.withUnsafeMutableBufferPointer { o in
                // Column sums, one row at a time, to walk memory in order.
                var sums = [Float](repeating: 0, count: width)
                for y in 0..<min(r, height) {
                    for x in 0..<width { sums[x] += h[y * width + x] }
                }
                for y in 0..<height {
                    if y + r < height { for x in 0..<width { sums[x] += h[(y + r) * width + x] } }
                    if y - r - 1 >= 0 { for x in 0..<width { sums[x] -= h[(y - r - 1) * width + x] } }
                    let count = Float(min(height - 1, y + r) - max(0, y - r) + 1)
                    for x in 0..<width { o[y * width + x] = sums[x] / count }
                }
            }
        }
        return out
    }
}
