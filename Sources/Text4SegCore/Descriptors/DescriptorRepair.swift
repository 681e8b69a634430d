/// One thing the tolerant decoder had to fix in an engine's answer.
public enum DescriptorRepair: Hashable, Sendable, CustomStringConvertible {
    /// No `<seg>` block at all; the whole grid became `others` (as Text4Seg's own decoder does).
    case missingSegBlock
    /// `<seg>` without `</seg>`: the answer was cut off.
    case missingSegEnd
    /// A label that no class, synonym or folded spelling matches; decoded as `others`.
    case unknownLabel(String, occurrences: Int)
    /// Runs whose count is missing or not a number, each read as one cell: the first one, and how many there were.
    case badRunCount(row: Int, run: String, occurrences: Int)
    /// Unknown labels beyond the first few named ones, summed: distinct labels and their occurrences.
    case moreUnknownLabels(distinct: Int, occurrences: Int)
    /// A row with fewer cells than the grid; padded with its last label.
    case shortRow(row: Int, cells: Int, expected: Int)
    /// A row with more cells than the grid; truncated.
    case longRow(row: Int, cells: Int, expected: Int)
    /// Fewer rows than the grid; the last row was repeated.
    case missingRows(found: Int, expected: Int)
    /// More rows than the grid; the extra ones were dropped.
    case extraRows(found: Int, expected: Int)
    /// Full-form (uncompressed) descriptor with the wrong number of cells; padded with the last label or truncated.
    case cellCount(found: Int, expected: Int)
    /// An empty `<seg></seg>` block; the whole grid became `others`.
    case emptyDescriptor

    public var description: String {
        switch self {
        case .missingSegBlock: return "no <seg> block in the answer; every cell set to others"
        case .missingSegEnd: return "no </seg>: the answer was cut off"
        case let .unknownLabel(label, n): return "unknown label '\(Excerpt.quote(label))' (\(n)×) decoded as others"
        case let .moreUnknownLabels(distinct, n): return "\(distinct) more unknown labels (\(n)×) decoded as others"
        case let .badRunCount(row, run, n):
            let more = n > 1 ? " (and \(n - 1) more such runs)" : ""
            return "row \(row + 1): run '\(Excerpt.quote(run))' has no valid count; read as 1 cell\(more)"
        case let .shortRow(row, cells, expected):
            return "row \(row + 1) has \(cells) cells, expected \(expected); padded with its last label"
        case let .longRow(row, cells, expected): return "row \(row + 1) has \(cells) cells, expected \(expected); truncated"
        case let .missingRows(found, expected): return "\(found) rows, expected \(expected); last row repeated"
        case let .extraRows(found, expected): return "\(found) rows, expected \(expected); extra rows dropped"
        case let .cellCount(found, expected): return "\(found) cells, expected \(expected); padded or truncated"
        case .emptyDescriptor: return "empty descriptor; every cell set to others"
        }
    }
}

/// Why a descriptor could not be decoded.
public enum DescriptorError: Error, CustomStringConvertible, Sendable {
    /// `--strict` decoding met these repairs.
    case repairsRequired([DescriptorRepair])
    case invalidGridSize(rows: Int, cols: Int)

    public var description: String {
        switch self {
        case let .repairsRequired(repairs):
            return "descriptor needs repairs (strict mode): " + repairs.map(\.description).joined(separator: "; ")
        case let .invalidGridSize(rows, cols):
            return "invalid grid size \(rows)×\(cols)"
        }
    }
}
