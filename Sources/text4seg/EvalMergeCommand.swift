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
        let merged = try EvalMerge.merge(shards, vocabulary: vocab)
        if let report { try AtomicFile.write(try merged.json(), to: report) }
        try tables.write(merged)
        printEscaped(merged.table())
        tables.printWorst(merged)
    }
}

extension EvalMerge {
    /// The whole split's report from its shards' reports, or why they do not make one.
    static func merge(_ shards: [(path: String, report: EvaluationReport)], vocabulary: String?) throws -> EvaluationReport {
        guard let (firstPath, first) = shards.first else { throw ValidationError("give the shard reports to merge") }
        // Same settings: everything but the shard itself.
        func common(_ r: EvaluationReport) -> [String: String] { r.settings.filter { $0.key != "shard" } }
        for (path, report) in shards.dropFirst() where common(report) != common(first) {
            let differences = RunFingerprint(common(report)).differences(from: RunFingerprint(common(first)))
            throw ConfigError("\(path): settings differ from \(firstPath): \(differences.prefix(5).joined(separator: "; "))")
        }
        var byIndex: [Int: String] = [:]
        var count: Int?
        var sources: [EvaluationReport.Source] = []
        for (path, report) in shards {
            guard let source = report.dataset, let text = source.shard, let shard = Shard(argument: text) else {
                throw ConfigError("\(path): not a shard report (run with --shard I/N)")
            }
            sources.append(source)
            if let count, count != shard.count {
                throw ConfigError("\(path): shard \(shard) of a split into \(shard.count), the others into \(count)")
            }
            count = shard.count
            if let other = byIndex[shard.index] { throw ConfigError("\(path) and \(other) are both shard \(shard): they overlap") }
            byIndex[shard.index] = path
            guard source.total == sources[0].total else {
                throw ConfigError("\(path): a split of \(source.total) items, \(firstPath) one of \(sources[0].total)")
            }
        }
        let missing = (0..<(count ?? 0)).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw ConfigError(
                "missing shard\(missing.count == 1 ? "" : "s") \(missing.prefix(10).map { "\($0)/\(count!)" }.joined(separator: ", "))")
        }
        // Every position of the split once.
        var records: [(Int, ItemRecord)] = []
        var seen: [Int: String] = [:]
        for (path, report) in shards {
            let entries =
                report.items.map { ($0.index, $0.record) } + report.failed.map { ($0.index ?? -1, ItemRecord.failure($0.id, $0.reason)) }
            for (index, record) in entries {
                guard index >= 0 else { throw ConfigError("\(path): item \(record.id) has no position in the split") }
                if let other = seen[index] {
                    throw ConfigError("\(path) and \(other) both hold item \(index) (\(record.id)): they overlap")
                }
                seen[index] = path
                records.append((index, record))
            }
        }
        let total = sources[0].total
        guard records.count == total else { throw ConfigError("the shards hold \(records.count) items of a split of \(total)") }
        records.sort { $0.0 < $1.0 }
        let loaded = try ReportFile.vocabulary(of: first, override: vocabulary)
        var outcome = try EvaluationRunner.Outcome(
            records: records.map(\.1), vocabulary: loaded, file: shards.map(\.path).joined(separator: " + "))
        outcome.seconds = shards.map(\.report.seconds).max() ?? 0
        let evaluationProtocol = first.settings["protocol"].flatMap(EvaluationProtocol.init(rawValue:)) ?? .mmseg
        let metrics = outcome.matrix.metrics(evaluationProtocol, reduceZeroLabel: first.settings["reduce_zero_label"] == "true")
        let positions = Dictionary(records.map { ($0.1.id, $0.0) }, uniquingKeysWith: { a, _ in a })
        var merged = EvaluationReport(
            metrics: metrics, outcome: outcome, vocabulary: loaded, engine: first.settings["engine"] ?? "?",
            grid: Int(first.settings["grid"] ?? "") ?? 0, refiner: first.settings["refine"] ?? "?", positions: positions)
        merged.settings = common(first)
        merged.settings["shard"] = "none"
        merged.tool = Text4Seg.configuration.version
        merged.date = ISO8601DateFormatter().string(from: Date())
        var dataset = sources[0]
        dataset.shard = nil
        merged.dataset = dataset
        return merged
    }
}
