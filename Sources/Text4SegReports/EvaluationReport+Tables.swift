import Foundation
import Text4SegCore

extension EvaluationReport {
    /// The per-class table as CSV (RFC 4180: comma-separated, names quoted when they need it),
    /// for spreadsheets: `id,class,iou,acc,intersection,union,ground_truth_pixels,predicted_pixels`.
    /// A skipped class has empty IoU and Acc cells. A name that a spreadsheet would run as a
    /// formula (it begins with `=`, `+`, `-`, `@`, a tab or a CR) is written as text, as OWASP
    /// advises: a single quote first, the whole field quoted. Number cells stay numbers.
    public func csv() -> String {
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
