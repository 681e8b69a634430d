import Foundation
import Text4SegCore

/// A referring run's tables: one row per expression in the CSV, the scores in Markdown.
extension EvaluationReport {
    /// Per expression, in split order: `index,id,expression,iou,box_iou,intersection,predicted,truth`
    /// (percentages; an empty box IoU where it is 0/0), text cells defused as ``csv()`` does.
    func referCSV() -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        var lines = ["index,id,expression,iou,box_iou,intersection,predicted,truth"]
        for item in items.sorted(by: { $0.index < $1.index }) {
            guard let counts = item.record.refer else { continue }
            lines.append(
                [
                    "\(item.index)", EvaluationReport.csvText(item.record.id), EvaluationReport.csvText(item.record.expression ?? ""),
                    number(item.iou), number(item.boxIoU), "\(counts.intersection)", "\(counts.predicted)", "\(counts.truth)",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The scores as one Markdown table, as a paper's RES table reports a split.
    func referMarkdown(_ scores: ReferScores) -> String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "–" }
        func cell(_ text: String) -> String { EvaluationReport.markdownText(text) }
        let split = dataset.map { cell($0.split) } ?? "?"
        return """
            | split | expressions | cIoU | gIoU | Acc@0.5 | N-acc | T-acc |
            |---|---:|---:|---:|---:|---:|---:|
            | \(split) | \(scores.expressions) | \(number(scores.cIoU)) | \(number(scores.gIoU)) | \(number(scores.accAt05)) | \
            \(number(scores.nAcc)) | \(number(scores.tAcc)) |

            engine \(cell(engine)), grid \(grid), refine \(cell(refiner))\(failed.isEmpty ? "" : "; \(failed.count) expressions failed")\
            \(tool.isEmpty ? "" : "; text4seg \(cell(tool))").

            """
    }
}
