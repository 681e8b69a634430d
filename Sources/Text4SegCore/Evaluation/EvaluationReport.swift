import Foundation

/// The JSON report `text4seg eval --report` writes. Scores are percentages.
public struct EvaluationReport: Sendable, Codable {
    public struct ClassEntry: Sendable, Codable {
        public var id: Int
        public var name: String
        /// `nil` (JSON `null`) for a skipped class.
        public var iou: Double?
        public var acc: Double?
        public var intersection: UInt64
        public var union: UInt64
        public var groundTruthPixels: UInt64
        public var predictedPixels: UInt64

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            if let iou { try c.encode(iou, forKey: .iou) } else { try c.encodeNil(forKey: .iou) }
            if let acc { try c.encode(acc, forKey: .acc) } else { try c.encodeNil(forKey: .acc) }
            try c.encode(intersection, forKey: .intersection)
            try c.encode(union, forKey: .union)
            try c.encode(groundTruthPixels, forKey: .groundTruthPixels)
            try c.encode(predictedPixels, forKey: .predictedPixels)
        }

        enum CodingKeys: String, CodingKey { case id, name, iou, acc, intersection, union, groundTruthPixels, predictedPixels }
    }

    public struct Failure: Sendable, Codable, Equatable {
        public var id: String
        public var reason: String
        /// The item's position in the whole split, when the report knows it.
        public var index: Int?

        public init(id: String, reason: String, index: Int? = nil) {
            self.id = id
            self.reason = reason
            self.index = index
        }
    }

    /// Where the items came from.
    public struct Source: Sendable, Codable, Equatable {
        public var path: String
        public var layout: String
        public var split: String
        /// Items in the whole split (all shards together).
        public var total: Int
        /// `I/N` for a shard, `nil` for a whole run.
        public var shard: String?

        public init(path: String, layout: String, split: String, total: Int, shard: String? = nil) {
            self.path = path
            self.layout = layout
            self.split = split
            self.total = total
            self.shard = shard
        }
    }

    public var mIoU: Double
    public var aAcc: Double
    public var mAcc: Double
    public var fwIoU: Double
    public var `protocol`: String
    public var reduceZeroLabel: Bool
    /// Images that were evaluated (failed ones excluded).
    public var images: Int
    public var failed: [Failure]
    public var classes: [ClassEntry]
    public var vocabulary: String
    public var engine: String
    public var grid: Int
    public var refiner: String
    /// Items whose descriptors needed repairs, and the repairs in all.
    public var repairedItems: Int
    public var repairs: Int
    public var seconds: Double
    /// Requests sent again after transient engine failures, and token counts (resumed items included).
    public var retries: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Mean milliseconds per item spent in text4seg itself, waits on the server excluded.
    public var clientMillisecondsPerItem: Double
    /// Each evaluated item: its counts and costs, and its own scores and classes, in dataset order.
    public var items: [ItemResult]
    /// The dataset, its layout and split, and the shard this report covers.
    public var dataset: Source?
    /// The confusion counts the scores come from, sparse (see ``SparseConfusion``).
    public var confusion: SparseConfusion
    /// A referring run's scores (cIoU, gIoU, Acc@0.5, N-acc, T-acc); `nil` for a semantic run,
    /// whose scores are the fields above.
    public var refer: ReferScores?
    /// Every effective setting of the run (``RunFingerprint``), to reproduce it.
    public var settings: [String: String] = [:]
    /// The keys of ``settings`` that say how the items were scored rather than what each item
    /// produced: the run's fingerprint plus these makes a report's settings.
    public static let scoringSettings = ["protocol", "reduce_zero_label"]
    /// The tool that wrote the report: version and git commit.
    public var tool: String = ""
    /// When the report was written, ISO 8601 in UTC.
    public var date: String = ""

    /// - Parameter positions: each item's place in the whole split; by default its place in `outcome.items`.
    public init(
        metrics: Metrics, outcome: EvaluationRunner.Outcome, vocabulary: Vocabulary, engine: String, grid: Int, refiner: String,
        positions: [String: Int]? = nil
    ) {
        let matrix = outcome.matrix
        mIoU = metrics.meanIoU * 100
        aAcc = metrics.pixelAccuracy * 100
        mAcc = metrics.meanAccuracy * 100
        fwIoU = metrics.frequencyWeightedIoU * 100
        self.protocol = metrics.evaluationProtocol.rawValue
        reduceZeroLabel = metrics.reduceZeroLabel
        images = outcome.evaluated
        failed = outcome.failed.map { Failure(id: $0.id, reason: $0.reason, index: $0.index ?? positions?[$0.id]) }
        classes = metrics.classes.map {
            ClassEntry(
                id: $0.id, name: vocabulary.class(id: $0.id)?.name ?? "class \($0.id)",
                iou: $0.iou.map { $0 * 100 }, acc: $0.accuracy.map { $0 * 100 },
                intersection: $0.intersection, union: $0.union, groundTruthPixels: $0.groundTruthPixels,
                predictedPixels: $0.predictedPixels)
        }
        self.vocabulary = vocabulary.name
        self.engine = engine
        self.grid = grid
        self.refiner = refiner
        repairedItems = outcome.repairedItems
        repairs = outcome.repairs
        seconds = outcome.seconds
        retries = outcome.retries
        promptTokens = outcome.promptTokens
        completionTokens = outcome.completionTokens
        clientMillisecondsPerItem = outcome.clientSecondsPerItem * 1000
        items = outcome.items.enumerated().map { offset, record in
            ItemResult(
                record: record, index: positions?[record.id] ?? offset, vocabulary: vocabulary, protocol: metrics.evaluationProtocol,
                reduceZeroLabel: metrics.reduceZeroLabel)
        }
        confusion = SparseConfusion(matrix)
        refer = outcome.referMetrics.map(ReferScores.init)
    }

    /// The confusion matrix as a report stores it: `shape` is `[K + 1, K + 1]`, rows are
    /// ground truth and columns predictions (index K: the ignore value or anything out of
    /// range), and `entries` lists each non-zero cell as `[row, column, pixels]`, by row then column.
    public struct SparseConfusion: Sendable, Codable, Equatable {
        public var shape: [Int]
        public var axes: [String]
        public var entries: [[UInt64]]

        public init(_ matrix: ConfusionMatrix) {
            let side = matrix.classCount + 1
            shape = [side, side]
            axes = ["ground truth", "prediction"]
            entries = matrix.pairs.map { [$0[0] / UInt64(side), $0[0] % UInt64(side), $0[1]] }
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The scored items from the lowest mIoU (a referring item's IoU) to the highest (ties: lower
    /// pixel accuracy or box IoU, then earlier in the split, first).
    public var itemsByMIoU: [ItemResult] {
        items.filter { $0.score != nil }.sorted {
            ($0.score!, $0.aAcc ?? $0.boxIoU ?? 0, $0.index) < ($1.score!, $1.aAcc ?? $1.boxIoU ?? 0, $1.index)
        }
    }
}
