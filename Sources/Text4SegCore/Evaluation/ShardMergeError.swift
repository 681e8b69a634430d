/// Why the reports given to ``EvaluationReport/merging(_:vocabulary:tool:date:)`` do not make
/// one split's report. Each case names the report files involved.
public enum ShardMergeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No reports were given.
    case noReports
    /// `path`'s settings (its shard aside) differ from `first`'s; `differences` names them.
    case settingsDiffer(path: String, first: String, differences: [String])
    /// `path` was not written by a run with `--shard I/N`.
    case notAShard(path: String)
    /// `path` is part of a split into `count` shards, the reports before it of one into `others`.
    case shardCountsDiffer(path: String, shard: Shard, others: Int)
    /// Two reports are the same shard.
    case sameShard(path: String, other: String, shard: Shard)
    /// `path` covers a split of `total` items, `first` one of `firstTotal`.
    case totalsDiffer(path: String, total: Int, first: String, firstTotal: Int)
    /// Shards of the split that no report covers.
    case missingShards([Shard])
    /// An item of `path` has no position in the split.
    case noPosition(path: String, id: String)
    /// Two reports both hold the item at `index`.
    case sameItem(path: String, other: String, index: Int, id: String)
    /// The reports hold `held` items of a split of `total`.
    case incomplete(held: Int, total: Int)

    public var description: String {
        switch self {
        case .noReports:
            return "give the shard reports to merge"
        case .settingsDiffer(let path, let first, let differences):
            return "\(path): settings differ from \(first): \(differences.prefix(5).joined(separator: "; "))"
        case .notAShard(let path):
            return "\(path): not a shard report (run with --shard I/N)"
        case .shardCountsDiffer(let path, let shard, let others):
            return "\(path): shard \(shard) of a split into \(shard.count), the others into \(others)"
        case .sameShard(let path, let other, let shard):
            return "\(path) and \(other) are both shard \(shard): they overlap"
        case .totalsDiffer(let path, let total, let first, let firstTotal):
            return "\(path): a split of \(total) items, \(first) one of \(firstTotal)"
        case .missingShards(let shards):
            return "missing shard\(shards.count == 1 ? "" : "s") \(shards.prefix(10).map(\.description).joined(separator: ", "))"
        case .noPosition(let path, let id):
            return "\(path): item \(id) has no position in the split"
        case .sameItem(let path, let other, let index, let id):
            return "\(path) and \(other) both hold item \(index) (\(id)): they overlap"
        case .incomplete(let held, let total):
            return "the shards hold \(held) items of a split of \(total)"
        }
    }
}
