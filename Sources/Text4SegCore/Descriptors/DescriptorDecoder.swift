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
        var cache: [Substring: UInt16] = [:]
        func value(of label: Substring) -> UInt16 {
            if let known = cache[label] { return known }
            let id: UInt16
            if let resolved = vocabulary.resolve(String(label)) {
                id = UInt16(clamping: resolved)
            } else {
                id = others
                let key = String(label)
                if unknown[key] == nil { unknownOrder.append(key) }
                unknown[key, default: 0] += 1
            }
            cache[label] = id
            return id
        }

        let lines = body.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingSpaces() }
            .filter { !$0.isEmpty }
        if lines.isEmpty {
            repairs.append(.emptyDescriptor)
            return try finish(DescriptorGrid(rows: rows, cols: cols, fill: others), repairs, strict)
        }
        let isFullForm = !body.contains("*")
        var grid = DescriptorGrid(rows: rows, cols: cols, fill: others)
        if isFullForm {
            var cells: [UInt16] = []
            cells.reserveCapacity(rows * cols)
            for line in lines {
                for label in line.split(separator: "|") {
                    let trimmed = label.trimmingSpaces()
                    if !trimmed.isEmpty { cells.append(value(of: trimmed)) }
                }
            }
            if cells.count != rows * cols {
                repairs.append(.cellCount(found: cells.count, expected: rows * cols))
                if cells.count > rows * cols {
                    cells.removeLast(cells.count - rows * cols)
                } else {
                    cells.append(contentsOf: repeatElement(cells.last ?? others, count: rows * cols - cells.count))
                }
            }
            grid.values = cells
        } else {
            var decodedRows: [[UInt16]] = []
            for (r, line) in lines.enumerated() {
                var cells: [UInt16] = []
                cells.reserveCapacity(cols)
                for run in line.split(separator: "|") {
                    let runText = run.trimmingSpaces()
                    if runText.isEmpty { continue }
                    var label = runText
                    var count = 1
                    if let star = runText.lastIndex(of: "*") {
                        label = runText[..<star].trimmingSpaces()
                        let countText = runText[runText.index(after: star)...].trimmingSpaces()
                        if let n = Int(countText), n > 0 {
                            count = n
                        } else {
                            repairs.append(.badRunCount(row: r, run: String(runText)))
                        }
                    } else {
                        repairs.append(.badRunCount(row: r, run: String(runText)))
                    }
                    if label.isEmpty { continue }
                    let id = value(of: label)
                    // Cap each run so a runaway count cannot allocate without bound.
                    let room = max(0, cols + 1 - cells.count)
                    cells.append(contentsOf: repeatElement(id, count: min(count, room)))
                }
                if cells.isEmpty { continue }
                if cells.count < cols {
                    repairs.append(.shortRow(row: r, cells: cells.count, expected: cols))
                    cells.append(contentsOf: repeatElement(cells.last!, count: cols - cells.count))
                } else if cells.count > cols {
                    repairs.append(.longRow(row: r, cells: rowLength(line), expected: cols))
                    cells.removeLast(cells.count - cols)
                }
                decodedRows.append(cells)
            }
            if decodedRows.isEmpty {
                repairs.append(.emptyDescriptor)
                return try finish(grid, repairs, strict)
            }
            if decodedRows.count > rows {
                repairs.append(.extraRows(found: decodedRows.count, expected: rows))
                decodedRows.removeLast(decodedRows.count - rows)
            } else if decodedRows.count < rows {
                repairs.append(.missingRows(found: decodedRows.count, expected: rows))
                let last = decodedRows.last!
                decodedRows.append(contentsOf: repeatElement(last, count: rows - decodedRows.count))
            }
            grid.values = Array(decodedRows.joined())
        }
        for label in unknownOrder {
            repairs.append(.unknownLabel(label, occurrences: unknown[label]!))
        }
        return try finish(grid, repairs, strict)
    }

    /// The cell count a row claims, for messages about over-long rows.
    static func rowLength(_ line: Substring) -> Int {
        var total = 0
        for run in line.split(separator: "|") {
            if let star = run.lastIndex(of: "*"), let n = Int(run[run.index(after: star)...].trimmingSpaces()) {
                total += n
            } else {
                total += 1
            }
        }
        return total
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
