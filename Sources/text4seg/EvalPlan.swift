import Foundation
import Text4SegCore

/// What one `eval` will do, settled before anything runs: the dataset as listed, the items of
/// this run (after `--limit` and `--shard`), every setting, and the run's fingerprint.
struct EvalPlan {
    var dataset: String
    var listing: Dataset.Listing
    var resolved: ResolvedPipeline
    var evaluationProtocol: EvaluationProtocol
    var reduceZeroLabel: Bool
    /// The split the run covers: the listing, cut by `--limit`.
    var split: [DatasetItem]
    /// This run's items: `split`, or the shard's part of it.
    var items: [DatasetItem]
    var fingerprint: RunFingerprint

    /// The report of `outcome` (run by the engine named `engine`): scores under the plan's protocol, each item's position in the
    /// split, the settings that reproduce the run, and where the items came from.
    func report(_ outcome: EvaluationRunner.Outcome, engine: String, tool: String, shard: Shard?, date: Date = Date()) -> EvaluationReport {
        let positions = Dictionary(split.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var report = EvaluationReport(
            metrics: outcome.matrix.metrics(evaluationProtocol, reduceZeroLabel: reduceZeroLabel), outcome: outcome,
            vocabulary: resolved.vocabulary, engine: engine, grid: resolved.prompt.grid, refiner: resolved.refiner.name,
            positions: positions)
        report.settings = fingerprint.settings
        report.settings["protocol"] = evaluationProtocol.rawValue
        report.settings["reduce_zero_label"] = "\(reduceZeroLabel)"
        report.tool = tool
        report.date = ISO8601DateFormatter().string(from: date)
        report.dataset = EvaluationReport.Source(
            path: URL(fileURLWithPath: dataset).standardizedFileURL.path, layout: listing.layout.rawValue, split: listing.split,
            total: split.count, shard: shard?.description)
        return report
    }
}
