import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// What `eval` and `eval merge` write and print besides the JSON report: the per-class
/// table for spreadsheets and papers, and the worst images.
struct ReportTables: ParsableArguments {
    @Option(help: "Print the N images with the lowest mIoU after the table.")
    var worst: Int?

    @Option(help: "Also write the per-class table as CSV (IoU, Acc, pixel counts) for spreadsheets.")
    var csv: String?

    @Option(help: "Also write the per-class table as Markdown, for a paper's appendix or a pull request.")
    var markdown: String?

    func validate() throws {
        if let worst { try checkRange(worst, 1...1_000_000, "--worst") }
    }

    func write(_ report: EvaluationReport) throws {
        if let csv { try AtomicFile.write(report.csv(), to: csv) }
        if let markdown { try AtomicFile.write(report.markdown(), to: markdown) }
    }

    func printWorst(_ report: EvaluationReport) {
        if let worst { print(report.worst(worst)) }
    }
}
