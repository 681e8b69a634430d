import Foundation

extension EvaluationReport {
    /// The report one run over the whole split gives, from the reports of its shards (`eval
    /// --shard 0/N` … `N-1/N`): the same confusion matrix, per-class table, mIoU and per-image
    /// list, rebuilt from the per-item records each shard keeps. The timing is the slowest shard's.
    ///
    /// Refuses (``ShardMergeError``) reports whose settings differ beyond the shard, reports that
    /// are not shards, shards given twice or overlapping, and missing shards. `vocabulary` must be
    /// the one the runs used (``vocabulary(override:)`` loads it).
    ///
    ///     let shards = try paths.map { (path: $0, report: try EvaluationReport.read($0)) }
    ///     let vocabulary = try shards[0].report.vocabulary(override: nil)
    ///     let whole = try EvaluationReport.merging(shards, vocabulary: vocabulary, tool: "text4seg 0.6.0")
    public static func merging(
        _ shards: [(path: String, report: EvaluationReport)], vocabulary: Vocabulary, tool: String, date: Date = Date()
    ) throws -> EvaluationReport {
        guard let (firstPath, first) = shards.first else { throw ShardMergeError.noReports }
        func common(_ report: EvaluationReport) -> [String: String] { report.settings.filter { $0.key != "shard" } }
        for (path, report) in shards.dropFirst() where common(report) != common(first) {
            let differences = RunFingerprint(common(report)).differences(from: RunFingerprint(common(first)))
            throw ShardMergeError.settingsDiffer(path: path, first: firstPath, differences: differences)
        }
        let source = try coverage(of: shards)
        let records = try positionedRecords(of: shards, total: source.total)
        var outcome = try EvaluationRunner.Outcome(
            records: records.map(\.record), vocabulary: vocabulary, file: shards.map(\.path).joined(separator: " + "))
        outcome.seconds = shards.map(\.report.seconds).max() ?? 0
        let evaluationProtocol = first.settings["protocol"].flatMap(EvaluationProtocol.init(rawValue:)) ?? .mmseg
        let metrics = outcome.matrix.metrics(evaluationProtocol, reduceZeroLabel: first.settings["reduce_zero_label"] == "true")
        let positions = Dictionary(records.map { ($0.record.id, $0.index) }, uniquingKeysWith: { a, _ in a })
        var merged = EvaluationReport(
            metrics: metrics, outcome: outcome, vocabulary: vocabulary, engine: first.settings["engine"] ?? "?",
            grid: Int(first.settings["grid"] ?? "") ?? 0, refiner: first.settings["refine"] ?? "?", positions: positions)
        merged.settings = common(first)
        merged.settings["shard"] = "none"
        merged.tool = tool
        merged.date = ISO8601DateFormatter().string(from: date)
        var dataset = source
        dataset.shard = nil
        merged.dataset = dataset
        return merged
    }

    /// The first report's dataset, once every shard of the split is given exactly once.
    private static func coverage(of shards: [(path: String, report: EvaluationReport)]) throws -> Source {
        var byIndex: [Int: String] = [:]
        var count: Int?
        var first: (path: String, source: Source)?
        for (path, report) in shards {
            guard let source = report.dataset, let text = source.shard, let shard = Shard(text) else {
                throw ShardMergeError.notAShard(path: path)
            }
            if let count, count != shard.count { throw ShardMergeError.shardCountsDiffer(path: path, shard: shard, others: count) }
            count = shard.count
            if let other = byIndex[shard.index] { throw ShardMergeError.sameShard(path: path, other: other, shard: shard) }
            byIndex[shard.index] = path
            if let first, source.total != first.source.total {
                throw ShardMergeError.totalsDiffer(path: path, total: source.total, first: first.path, firstTotal: first.source.total)
            }
            if first == nil { first = (path, source) }
        }
        guard let count, let first else { throw ShardMergeError.noReports }
        let missing = (0..<count).filter { byIndex[$0] == nil }.compactMap { Shard(index: $0, count: count) }
        guard missing.isEmpty else { throw ShardMergeError.missingShards(missing) }
        return first.source
    }

    /// Every item of the shards with its position in the split, each position once, in split order.
    private static func positionedRecords(
        of shards: [(path: String, report: EvaluationReport)], total: Int
    ) throws -> [(index: Int, record: ItemRecord)] {
        var records: [(index: Int, record: ItemRecord)] = []
        var seen: [Int: String] = [:]
        for (path, report) in shards {
            let entries =
                report.items.map { ($0.index, $0.record) } + report.failed.map { ($0.index ?? -1, ItemRecord.failure($0.id, $0.reason)) }
            for (index, record) in entries {
                guard index >= 0 else { throw ShardMergeError.noPosition(path: path, id: record.id) }
                if let other = seen[index] { throw ShardMergeError.sameItem(path: path, other: other, index: index, id: record.id) }
                seen[index] = path
                records.append((index, record))
            }
        }
        guard records.count == total else { throw ShardMergeError.incomplete(held: records.count, total: total) }
        return records.sorted { $0.index < $1.index }
    }
}
