import Foundation
import Text4SegCore

/// The report as tables people read: on the terminal (`table()`, `worst(_:)`), in spreadsheets and in Markdown.
extension EvaluationReport {
    /// The `count` items with the lowest mIoU, as lines for people (ids and names with control
    /// characters escaped, ``TerminalText``).
    public func worst(_ count: Int) -> String {
        let ranked = itemsByMIoU
        let ids = ranked.prefix(count).map { TerminalText.escaped($0.record.id) }
        let width = max(8, ids.map(\.count).max() ?? 8)
        if refer != nil {
            var lines = ["worst \(min(count, ranked.count)) of \(ranked.count) expressions by IoU:"]
            for (item, id) in zip(ranked.prefix(count), ids) {
                lines.append(
                    "  \(id.padding(toLength: width, withPad: " ", startingAt: 0))  "
                        + String(format: "IoU %6.2f  box IoU %6.2f  ", item.iou ?? 0, item.boxIoU ?? 0)
                        + "'\(TerminalText.escaped(item.record.expression ?? ""))'")
            }
            return lines.joined(separator: "\n")
        }
        var lines = ["worst \(min(count, ranked.count)) of \(ranked.count) images by mIoU:"]
        for (item, id) in zip(ranked.prefix(count), ids) {
            let names = { (names: [String]) in names.map { TerminalText.escaped($0) }.joined(separator: ", ") }
            lines.append(
                "  \(id.padding(toLength: width, withPad: " ", startingAt: 0))  "
                    + String(format: "mIoU %6.2f  aAcc %6.2f  ", item.mIoU!, item.aAcc ?? 0)
                    + "truth: \(names(item.groundTruth))  predicted: \(names(item.predicted))")
        }
        return lines.joined(separator: "\n")
    }

    /// The per-class table and summary a person reads, one line per class (names with control
    /// characters escaped, ``TerminalText``).
    public func table() -> String {
        if let refer {
            var summary = "\(refer.line)\nengine \(TerminalText.escaped(engine)), grid \(grid), refine \(TerminalText.escaped(refiner))"
            if !failed.isEmpty { summary += ", \(failed.count) failed" }
            if repairs > 0 { summary += ", \(repairs) descriptor repairs in \(repairedItems) expressions" }
            if retries > 0 { summary += ", \(retries) retried requests" }
            return summary
        }
        var lines: [String] = []
        let names = classes.map { TerminalText.escaped($0.name) }
        let width = max(12, names.map(\.count).max() ?? 12)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func num(_ v: Double?) -> String { v.map { String(format: "%6.2f", $0) } ?? "     -" }
        lines.append(pad("class", width) + "    IoU    Acc")
        for (c, name) in zip(classes, names) { lines.append(pad(name, width) + " " + num(c.iou) + " " + num(c.acc)) }
        lines.append(String(repeating: "-", count: width + 14))
        lines.append(String(format: "mIoU %.2f  aAcc %.2f  mAcc %.2f  fwIoU %.2f", mIoU, aAcc, mAcc, fwIoU))
        // The refiner is named because it moves mIoU by points: `nearest` is Text4Seg's own protocol.
        var summary =
            "protocol \(TerminalText.escaped(self.protocol))\(reduceZeroLabel ? " (reduce zero label)" : ""), engine "
            + "\(TerminalText.escaped(engine)), grid \(grid), refine \(TerminalText.escaped(refiner)), \(images) images"
        if !failed.isEmpty { summary += ", \(failed.count) failed" }
        if repairs > 0 { summary += ", \(repairs) descriptor repairs in \(repairedItems) images" }
        if retries > 0 { summary += ", \(retries) retried requests" }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// The per-class table as CSV (RFC 4180: comma-separated, names quoted when they need it),
    /// for spreadsheets: `id,class,iou,acc,intersection,union,ground_truth_pixels,predicted_pixels`.
    /// A skipped class has empty IoU and Acc cells. A name that a spreadsheet would run as a
    /// formula (it begins with `=`, `+`, `-`, `@`, a tab or a CR) is written as text, as OWASP
    /// advises: a single quote first, the whole field quoted. Number cells stay numbers.
    public func csv() -> String {
        if refer != nil { return referCSV() }
        func field(_ text: String) -> String { EvaluationReport.csvText(text) }
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        var lines = ["id,class,iou,acc,intersection,union,ground_truth_pixels,predicted_pixels"]
        for c in classes {
            lines.append(
                [
                    "\(c.id)", field(c.name), number(c.iou), number(c.acc), "\(c.intersection)", "\(c.union)", "\(c.groundTruthPixels)",
                    "\(c.predictedPixels)",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV text cell: quoted when it holds a comma, a quote or a line end, and defused (a single
    /// quote first, then quoted) when it begins with a character that makes a spreadsheet formula.
    ///
    ///     EvaluationReport.csvText("=HYPERLINK(\"x\")")   // "\"'=HYPERLINK(\"\"x\"\")\""
    public static func csvText(_ text: String) -> String {
        let formula = text.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false
        let value = formula ? "'" + text : text
        guard formula || value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Text from the report made inert in a Markdown table cell: control characters escaped
    /// (``TerminalText``, so a line end cannot start a row), then every ASCII punctuation mark
    /// backslash-escaped, so `|` cannot split the row and no `<tag>`, `[link](…)`, `` `code` ``
    /// or emphasis comes alive.
    ///
    ///     EvaluationReport.markdownText("<img src=x onerror=alert(1)>|")   // "\\<img src=x onerror=alert\\(1\\)\\>\\|"
    public static func markdownText(_ text: String) -> String {
        var out = ""
        for scalar in TerminalText.escaped(text).unicodeScalars {
            if scalar.isASCII && (scalar.properties.isPatternSyntax || scalar == "_") { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// The per-class table as GitHub-flavored Markdown, the form a paper's appendix or a pull
    /// request pastes: one row per class (skipped classes shown as –), the means last, and a
    /// line that says how the numbers were made. Names and settings are escaped (``markdownText(_:)``).
    public func markdown() -> String {
        if let refer { return referMarkdown(refer) }
        func number(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "–" }
        func cell(_ text: String) -> String { EvaluationReport.markdownText(text) }
        var lines = [
            "| class | IoU | Acc | ground-truth pixels | predicted pixels |",
            "|---|---:|---:|---:|---:|",
        ]
        for c in classes {
            lines.append("| \(cell(c.name)) | \(number(c.iou)) | \(number(c.acc)) | \(c.groundTruthPixels) | \(c.predictedPixels) |")
        }
        lines.append("| **mean** | **\(number(mIoU))** | **\(number(mAcc))** | | |")
        lines.append("")
        lines.append(
            "mIoU \(number(mIoU)), aAcc \(number(aAcc)), mAcc \(number(mAcc)), fwIoU \(number(fwIoU)); protocol \(cell(self.protocol))"
                + (reduceZeroLabel ? " (label 0 ignored)" : "")
                + "; vocabulary \(cell(vocabulary)); engine \(cell(engine)), grid \(grid), refine \(cell(refiner)); "
                + "\(images) images" + (failed.isEmpty ? "" : " (\(failed.count) failed)")
                + (tool.isEmpty ? "" : "; text4seg \(cell(tool))")
                + ".")
        return lines.joined(separator: "\n") + "\n"
    }
}
