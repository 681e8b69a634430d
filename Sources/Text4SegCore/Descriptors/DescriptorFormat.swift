/// How a grid is written as text.
public enum DescriptorFormat: String, Sendable, CaseIterable, Codable {
    /// Row-wise run-length encoding, Text4Seg's default: `cat *3| dog *1`, rows joined by `"\n "`.
    case rrle
    /// Every cell's label, joined by `|`.
    case full
}

/// Writes grids in Text4Seg's training-target format, byte for byte.
///
/// Each row is a list of runs `LABEL *COUNT` joined by `"| "`; rows are joined
/// by `"\n "` and the descriptor ends with `"\n"`. The answer wraps it as one
/// sentence, a newline, then `<seg>…</seg>` (facts from Text4Seg's `encode_mask`).
///
///     let text = DescriptorEncoder.encode(grid, vocabulary: voc)
///     // "others *4\n others *1| cat *3\n ...\n"
public enum DescriptorEncoder {
    public static func encode(_ grid: DescriptorGrid, vocabulary: Vocabulary, format: DescriptorFormat = .rrle) -> String {
        var names: [UInt16: String] = [:]
        func name(_ value: UInt16) -> String {
            if let known = names[value] { return known }
            let text = vocabulary.promptName(for: Int(value))
            names[value] = text
            return text
        }
        switch format {
        case .rrle:
            var rows: [String] = []
            rows.reserveCapacity(grid.rows)
            for r in 0..<grid.rows {
                var runs: [String] = []
                var current = grid[r, 0]
                var count = 1
                for c in 1..<grid.cols {
                    let value = grid[r, c]
                    if value == current {
                        count += 1
                    } else {
                        runs.append("\(name(current)) *\(count)")
                        current = value
                        count = 1
                    }
                }
                runs.append("\(name(current)) *\(count)")
                rows.append(runs.joined(separator: "| "))
            }
            return rows.joined(separator: "\n ") + "\n"
        case .full:
            return grid.values.map(name).joined(separator: "|")
        }
    }

    /// The whole answer a Text4Seg model gives: a sentence, then the `<seg>` block.
    public static func answer(_ descriptor: String, sentence: String = PromptTemplates.defaultAnswer) -> String {
        "\(sentence)\n<seg>\(descriptor)</seg>"
    }
}
