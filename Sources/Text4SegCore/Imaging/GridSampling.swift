/// How a full-resolution label map is reduced to a descriptor grid.
public enum GridSampling: String, Sendable, CaseIterable, Codable, SettingChoice {
    /// Text4Seg's training targets: Pillow's `resize((G, G), NEAREST)`.
    case nearest
    /// Each cell takes the most frequent non-ignore label of the pixels it covers.
    case majority
}

extension LabelMap {
    /// Reduces the map to a `rows × cols` grid. Ignore pixels become `othersValue`.
    public func downsample(rows: Int, cols: Int, rule: GridSampling, ignoreValue: Int, othersValue: Int) -> DescriptorGrid {
        var grid = DescriptorGrid(rows: rows, cols: cols, fill: UInt16(clamping: othersValue))
        let ignore = UInt16(clamping: ignoreValue), others = UInt16(clamping: othersValue)
        switch rule {
        case .nearest:
            let xs = LabelMap.pillowNearestIndices(input: width, output: cols)
            let ys = LabelMap.pillowNearestIndices(input: height, output: rows)
            for r in 0..<rows {
                for c in 0..<cols {
                    let v = values[ys[r] * width + xs[c]]
                    grid[r, c] = v == ignore ? others : v
                }
            }
        case .majority:
            var counts: [UInt16: Int] = [:]
            for r in 0..<rows {
                let y0 = r * height / rows, y1 = max(y0 + 1, (r + 1) * height / rows)
                for c in 0..<cols {
                    let x0 = c * width / cols, x1 = max(x0 + 1, (c + 1) * width / cols)
                    counts.removeAll(keepingCapacity: true)
                    for y in y0..<min(y1, height) {
                        for x in x0..<min(x1, width) {
                            let v = values[y * width + x]
                            if v != ignore { counts[v, default: 0] += 1 }
                        }
                    }
                    // Most pixels wins; ties go to the smaller id, so the result does not depend on hashing.
                    var best = others, bestCount = 0
                    for (value, count) in counts where count > bestCount || (count == bestCount && value < best) {
                        best = value
                        bestCount = count
                    }
                    grid[r, c] = best
                }
            }
        }
        return grid
    }

    /// Source indices Pillow's nearest-neighbor resize picks: it starts at
    /// `scale / 2` and adds `scale` per output pixel in double precision, then
    /// truncates. This is floor((i + 0.5) · in / out) up to that accumulation,
    /// and reproduces Pillow exactly.
    public static func pillowNearestIndices(input: Int, output: Int) -> [Int] {
        let scale = Double(input) / Double(output)
        var position = scale * 0.5
        var indices = [Int](repeating: 0, count: output)
        for i in 0..<output {
            indices[i] = min(input - 1, max(0, Int(position)))
            position += scale
        }
        return indices
    }
}
