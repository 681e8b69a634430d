import Foundation
import Text4SegCore

extension EvaluationReport {
    /// The per-class table as CSV (RFC 4180: comma-separated, names quoted when they need it),
    /// for spreadsheets: `id,class,iou,acc,intersection,union,ground_truth_pixels,predicted_pixels`.
    /// A skipped class has empty IoU and Acc cells.
    public func csv() -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
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

    /// The per-class table as GitHub-flavored Markdown, the form a paper's appendix or a pull
    /// request pastes: one row per class (skipped classes shown as –), the means last, and a
    /// line that says how the numbers were made.
    public func markdown() -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "–" }
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
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
            "mIoU \(number(mIoU)), aAcc \(number(aAcc)), mAcc \(number(mAcc)), fwIoU \(number(fwIoU)); protocol \(self.protocol)"
                + (reduceZeroLabel ? " (label 0 ignored)" : "")
                + "; vocabulary \(vocabulary); engine \(engine), grid \(grid), refine \(refiner); "
                + "\(images) images" + (failed.isEmpty ? "" : " (\(failed.count) failed)") + (tool.isEmpty ? "" : "; text4seg \(tool)")
                + ".")
        return lines.joined(separator: "\n") + "\n"
    }
}
