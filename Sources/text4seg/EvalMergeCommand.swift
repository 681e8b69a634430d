import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// `text4seg eval merge`: the reports of `--shard 0/N` … `--shard N-1/N` combined into the
/// report one run over the whole split gives (the same confusion matrix, per-class table,
/// mIoU and per-image list), from the per-item records each report keeps.
struct EvalMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the reports of a sharded evaluation into the report of the whole split.",
        discussion: """
            Refuses reports whose settings differ, shards given twice or overlapping, and missing shards. \
            The vocabulary is loaded as the runs named it (settings 'vocabulary.source') and must have the same content hash; \
            --vocab points to it elsewhere. Exit status: 0 merged, 2 refused, 64 bad usage.

            EXAMPLES:
              # the four shards of one evaluation, as one report and its per-class table
              text4seg eval merge voc-0.json voc-1.json voc-2.json voc-3.json \\
                --report voc.json --csv voc.csv
            """)

    @Argument(help: "Shard reports (eval --shard I/N --report R.json), all N of them.")
    var reports: [String]

    @Option(help: "Write the merged JSON report here.")
    var report: String?

    @Option(help: "The vocabulary, when it is not where the runs found it.")
    var vocab: String?

    @OptionGroup var tables: ReportTables

    func run() throws {
        try OutputPlan.guarding(
            inputs: reports + [vocab].compactMap { $0 },
            outputs: [(report, "the merged report"), (tables.csv, "the CSV table"), (tables.markdown, "the Markdown table")])
        let shards = try reports.map { (path: $0, report: try EvaluationReport.read($0)) }
        guard let first = shards.first else { throw ValidationError("give the shard reports to merge") }
        let merged = try EvaluationReport.merging(
            shards, vocabulary: try first.report.vocabulary(override: vocab), tool: Text4Seg.configuration.version)
        if let report { try AtomicFile.write(try merged.json(), to: report) }
        try tables.write(merged)
        printEscaped(merged.table())
        tables.printWorst(merged)
    }
}
