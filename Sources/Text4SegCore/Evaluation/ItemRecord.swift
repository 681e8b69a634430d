/// Everything one evaluated item produced. The runner makes it, the journal stores it
/// (one JSON line each) and the report lists it: one type, so the three cannot drift.
///
///     let record = ItemRecord(id: "2007_000033", counts: matrix.pairs)
///     try record.matrix(classCount: 21, ignoreValue: 255)   // the item's confusion matrix
public struct ItemRecord: Sendable, Codable, Equatable {
    public var id: String
    /// Why the item failed; `nil` when it was evaluated.
    public var failed: String?
    /// The item's confusion counts as `[index, pixels]` pairs, index `gt * (K + 1) + pred`; `nil` when it failed.
    public var counts: [[UInt64]]?
    /// Descriptor repairs its answer needed.
    public var repairs: Int
    /// Seconds the engine took (request time, retries and backoff included).
    public var engineSeconds: Double
    /// Requests sent again after transient failures.
    public var retries: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Seconds spent in text4seg itself (decode, refine, write, score), waits on a server excluded.
    public var clientSeconds: Double
    /// A referring item's expression.
    public var expression: String?
    /// A referring item's counts (in place of ``counts``).
    public var refer: ReferCounts?

    public init(
        id: String, failed: String? = nil, counts: [[UInt64]]? = nil, repairs: Int = 0, engineSeconds: Double = 0,
        retries: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, clientSeconds: Double = 0, expression: String? = nil,
        refer: ReferCounts? = nil
    ) {
        self.id = id
        self.failed = failed
        self.counts = counts
        self.repairs = repairs
        self.engineSeconds = engineSeconds
        self.retries = retries
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.clientSeconds = clientSeconds
        self.expression = expression
        self.refer = refer
    }

    /// A failed item and its reason.
    public static func failure(_ id: String, _ reason: String) -> ItemRecord { ItemRecord(id: id, failed: reason) }

    /// Checks every number of a record read from `check`'s file (`field`: where it sits, `items[3]`,
    /// or empty for a journal line, whose file names the line): tallies in ``Limits/tally``, seconds in ``Limits/seconds``, counts as `[index, pixels]`
    /// pairs of at most ``Limits/pixelCount`` pixels in all. Whether the indexes fit a vocabulary is
    /// ``matrix(classCount:ignoreValue:)``'s to say.
    public func validate(_ check: FieldCheck, field: String) throws {
        let field = field.isEmpty ? "" : field + "."
        try check.within(repairs, Limits.tally, "\(field)repairs")
        try check.within(retries, Limits.tally, "\(field)retries")
        try check.within(promptTokens, Limits.tally, "\(field)promptTokens")
        try check.within(completionTokens, Limits.tally, "\(field)completionTokens")
        try check.finite(engineSeconds, Limits.seconds, "\(field)engineSeconds")
        try check.finite(clientSeconds, Limits.seconds, "\(field)clientSeconds")
        var total: UInt64 = 0
        for (n, pair) in (counts ?? []).enumerated() {
            try check.within(pair.count, 2...2, "\(field)counts[\(n)] (its length)")
            total = try check.sum(total, pair[1], limit: Limits.pixelCount, "\(field)counts[\(n)][1]")
        }
        if let refer {
            try check.within(refer.predicted, 0...Limits.pixelCount, "\(field)refer.predicted")
            try check.within(refer.truth, 0...Limits.pixelCount, "\(field)refer.truth")
            try check.within(refer.intersection, 0...min(refer.predicted, refer.truth), "\(field)refer.intersection")
            try check.finite(refer.boxIoU, 0...1, "\(field)refer.boxIoU")
        }
    }

    /// The item's confusion matrix, or `nil` when it failed; throws when the counts do not fit `classCount`.
    public func matrix(classCount: Int, ignoreValue: Int) throws -> ConfusionMatrix? {
        guard failed == nil, let counts else { return nil }
        return try ConfusionMatrix(classCount: classCount, ignoreValue: ignoreValue, pairs: counts)
    }
}
