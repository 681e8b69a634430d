/// Reads descriptors out of an engine's answer.
///
/// By default it is tolerant, and reports every repair it makes: chatter
/// around `<seg>` is skipped, a missing `</seg>` (cut-off answer) is accepted,
/// labels resolve through synonyms and folded spellings (else `others`), short
/// rows are padded with their last label, long rows truncated, missing rows
/// filled by repeating the last one. With `strict`, any repair is an error.
///
///     let decoded = try DescriptorDecoder.decode(answer, vocabulary: voc, rows: 24, cols: 24)
///     decoded.grid; decoded.repairs
public enum DescriptorDecoder {
    public struct Result: Sendable {
        public var grid: DescriptorGrid
        public var repairs: [DescriptorRepair]
    }

    public static func decode(_ text: String, vocabulary: Vocabulary, rows: Int, cols: Int, strict: Bool = false) throws -> Result {
        guard rows > 0, cols > 0 else { throw DescriptorError.invalidGridSize(rows: rows, cols: cols) }
        var repairs: [DescriptorRepair] = []
        let others = UInt16(clamping: vocabulary.othersValue)
        let body: Substring
        if let start = text.range(of: "<seg>") {
            let rest = text[start.upperBound...]
            if let end = rest.range(of: "</seg>") {
                body = rest[..<end.lowerBound]
            } else {
                body = rest
                repairs.append(.missingSegEnd)
            }
        } else {
            repairs.append(.missingSegBlock)
            return try finish(DescriptorGrid(rows: rows, cols: cols, fill: others), repairs, strict)
        }

        var unknown: [String: Int] = [:]
        var unknownOrder: [String] = []
        // nil: the label is unknown (decoded as others, and counted at every occurrence).
        var cache: [Substring: UInt16?] = [:]
        func value(of label: Substring) -> UInt16 {
            let id: UInt16?
            if let known = cache[label] {
                id = known
            } else {
                id = vocabulary.resolve(String(label)).map { UInt16(clamping: $0) }
                cache[label] = .some(id)
                if id == nil && vocabulary.unknownValue == nil { unknownOrder.append(String(label)) }
            }
            if let id { return id }
            if let fallback = vocabulary.unknownValue { return UInt16(clamping: fallback) }
            unknown[String(label), default: 0] += 1
            return others
        }

        // Rows end at "\n", "\r\n" or "\r" (a server or an editor may write any of them).
        let lines = TextLines.split(body)
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
        if lines.isEmpty {
            repairs.append(.emptyDescriptor)
            return try finish(DescriptorGrid(rows: rows, cols: cols, fill: others), repairs, strict)
        }
        let isFullForm = !body.contains("*")
        var grid = DescriptorGrid(rows: rows, cols: cols, fill: others)
        let cellCount = rows * cols
        if isFullForm {
            var cells: [UInt16] = []
            cells.reserveCapacity(cellCount)
            var found = 0
            for line in lines {
                for label in line.split(separator: "|") {
                    let trimmed = label.trimmingSpaces()
                    if trimmed.isEmpty { continue }
                    found += 1
                    // Cells past the grid are counted for the message, not kept.
                    let id = value(of: trimmed)
                    if cells.count < cellCount { cells.append(id) }
                }
            }
            if found != cellCount {
                repairs.append(.cellCount(found: found, expected: cellCount))
                if cells.count < cellCount {
                    cells.append(contentsOf: repeatElement(cells.last ?? others, count: cellCount - cells.count))
                }
            }
            grid.values = cells
        } else {
            var decodedRows: [[UInt16]] = []
            var rowsFound = 0
            var badRuns: (row: Int, run: String, count: Int)?
            for (r, line) in lines.enumerated() {
                var cells: [UInt16] = []
                cells.reserveCapacity(cols)
                var claimed = 0
                for run in line.split(separator: "|") {
                    let runText = run.trimmingSpaces()
                    if runText.isEmpty { continue }
                    var label = runText
                    var count = 1
                    if let star = runText.lastIndex(of: "*"),
                        let n = saturatingCount(runText[runText.index(after: star)...].trimmingSpaces()), n > 0
                    {
                        label = runText[..<star].trimmingSpaces()
                        count = n
                    } else {
                        if let star = runText.lastIndex(of: "*") { label = runText[..<star].trimmingSpaces() }
                        if let known = badRuns { badRuns!.count = known.count + 1 } else { badRuns = (r, String(runText), 1) }
                    }
                    claimed = claimed > Int.max - count ? Int.max : claimed + count
                    if label.isEmpty { continue }
                    // Cap each run at the row's room, so a runaway count allocates nothing.
                    let id = value(of: label)
                    let room = max(0, cols + 1 - cells.count)
                    if room > 0 { cells.append(contentsOf: repeatElement(id, count: min(count, room))) }
                }
                if cells.isEmpty { continue }
                rowsFound += 1
                // Rows past the grid are counted for the message, not kept.
                if decodedRows.count >= rows { continue }
                if cells.count < cols {
                    repairs.append(.shortRow(row: r, cells: cells.count, expected: cols))
                    cells.append(contentsOf: repeatElement(cells.last!, count: cols - cells.count))
                } else if cells.count > cols {
                    repairs.append(.longRow(row: r, cells: claimed, expected: cols))
                    cells.removeLast(cells.count - cols)
                }
                decodedRows.append(cells)
            }
            if let badRuns {
                repairs.append(.badRunCount(row: badRuns.row, run: badRuns.run, occurrences: badRuns.count))
            }
            if decodedRows.isEmpty {
                repairs.append(.emptyDescriptor)
                return try finish(grid, repairs, strict)
            }
            if rowsFound > rows {
                repairs.append(.extraRows(found: rowsFound, expected: rows))
            } else if decodedRows.count < rows {
                repairs.append(.missingRows(found: decodedRows.count, expected: rows))
                let last = decodedRows.last!
                decodedRows.append(contentsOf: repeatElement(last, count: rows - decodedRows.count))
            }
            grid.values = Array(decodedRows.joined())
        }
        // A garbled answer can hold thousands of distinct labels: name the first few, count the rest.
        for label in unknownOrder.prefix(maximumNamedLabels) {
            repairs.append(.unknownLabel(label, occurrences: unknown[label]!))
        }
        if unknownOrder.count > maximumNamedLabels {
            let rest = unknownOrder.dropFirst(maximumNamedLabels)
            repairs.append(.moreUnknownLabels(distinct: rest.count, occurrences: rest.reduce(0) { $0 + unknown[$1]! }))
        }
        return try finish(grid, repairs, strict)
    }

    /// Distinct unknown labels reported by name; the rest are summed into one repair.
    static let maximumNamedLabels = 10

    /// A run count: ASCII digits only, saturating instead of overflowing (a count past the row is cut anyway).
    static func saturatingCount(_ text: Substring) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 48 && byte <= 57 else { return nil }
            let digit = Int(byte - 48)
            value = value > (Int.max - digit) / 10 ? Int.max : value * 10 + digit
        }
        return value
    }

    static func finish(_ grid: DescriptorGrid, _ repairs: [DescriptorRepair], _ strict: Bool) throws -> Result {
        if strict && !repairs.isEmpty { throw DescriptorError.repairsRequired(repairs) }
        return Result(grid: grid, repairs: repairs)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var start = startIndex
        var end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" || self[start] == "\r" { start = index(after: start) }
        while end > start {
            let before = index(before: end)
            if self[before] == " " || self[before] == "\t" || self[before] == "\r" { end = before } else { break }
        }
        return self[start..<end]
    }
}
