import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// `text4seg report`: a finished evaluation's JSON report as pages and tables for people.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn an eval report (JSON) into a self-contained HTML page and CSV or Markdown tables.",
        discussion: """
            The gallery needs the run's predictions (eval --out DIR): pass it with \
            --predictions. Exit status: 0 written, 2 the report could not be read.

            EXAMPLES:
              # a page from a finished run whose predictions are in preds/
              text4seg report voc.json --html voc.html --predictions preds

              # the per-class table for a paper
              text4seg report voc.json --markdown voc.md --csv voc.csv
            """)

    @Argument(help: "The JSON report of text4seg eval (or eval merge).")
    var report: String

    @OptionGroup var page: ReportPageOptions

    @OptionGroup var tables: ReportTables

    @Option(help: "Folder of the run's predicted label maps <id>.png, for the gallery.")
    var predictions: String?

    @Option(help: "The vocabulary, when it is not where the run found it.")
    var vocab: String?

    func run() throws {
        try OutputPlan.guarding(
            inputs: [report, vocab].compactMap { $0 },
            outputs: [(page.html, "the HTML page"), (tables.csv, "the CSV table"), (tables.markdown, "the Markdown table")])
        let decoded = try EvaluationReport.read(report)
        let vocabulary = try decoded.vocabulary(override: vocab)
        try tables.write(decoded)
        try page.write(decoded, vocabulary: vocabulary, predictions: predictions)
    }
}

/// `--html` and `--gallery`, for `eval` and `report`.
struct ReportPageOptions: ParsableArguments {
    @Option(help: "Write the evaluation as one self-contained HTML page (charts, confusion heat map, gallery, settings).")
    var html: String?

    @Option(help: "Images of each end of the gallery: the N worst and the N best by mIoU.")
    var gallery: Int = 10

    func validate() throws { try checkRange(gallery, 0...1000, "--gallery") }

    func write(_ report: EvaluationReport, vocabulary: Vocabulary, predictions: String?) throws {
        guard let html else { return }
        var items: [HTMLReport.GalleryItem] = []
        if let predictions {
            let (found, skipped) = try HTMLReport.gallery(for: report, vocabulary: vocabulary, predictions: predictions, count: gallery)
            items = found
            for reason in skipped.prefix(5) { warn("warning: gallery: \(reason)") }
        } else if gallery > 0 {
            warn("warning: no --predictions folder: the page has no gallery")
        }
        try AtomicFile.write(try HTMLReport(report: report, vocabulary: vocabulary, gallery: items).html(), to: html)
    }
}
