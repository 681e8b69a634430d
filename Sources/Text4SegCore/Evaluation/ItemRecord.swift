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

    public init(
        id: String, failed: String? = nil, counts: [[UInt64]]? = nil, repairs: Int = 0, engineSeconds: Double = 0,
        retries: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0, clientSeconds: Double = 0
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
    }

    /// A failed item and its reason.
    public static func failure(_ id: String, _ reason: String) -> ItemRecord { ItemRecord(id: id, failed: reason) }

    /// The item's confusion matrix, or `nil` when it failed; throws when the counts do not fit `classCount`.
    public func matrix(classCount: Int, ignoreValue: Int) throws -> ConfusionMatrix? {
        guard failed == nil, let counts else { return nil }
        return try ConfusionMatrix(classCount: classCount, ignoreValue: ignoreValue, pairs: counts)
    }
}
