import Foundation

/// A referring run's scores as the report holds them, in percent: ``ReferMetrics`` scaled.
///
///     let scores = ReferScores(ReferMetrics(counts))
///     scores.cIoU   // e.g. 79.31
public struct ReferScores: Sendable, Codable, Equatable {
    /// Expressions scored.
    public var expressions: Int
    public var cIoU: Double
    public var gIoU: Double
    /// REC by mask-to-box: box IoU > 0.5.
    public var accAt05: Double
    /// gRefCOCO: no-target expressions predicted empty; `nil` when none is without a target.
    public var nAcc: Double?
    /// gRefCOCO: targeted expressions predicted non-empty; `nil` when every one is without a target.
    public var tAcc: Double?

    public init(_ metrics: ReferMetrics) {
        expressions = metrics.count
        cIoU = metrics.cIoU * 100
        gIoU = metrics.gIoU * 100
        accAt05 = metrics.accuracyAt05 * 100
        nAcc = metrics.nAcc.map { $0 * 100 }
        tAcc = metrics.tAcc.map { $0 * 100 }
    }

    /// One line for people: `cIoU 79.31  gIoU 80.02  Acc@0.5 85.10` (and N-acc, T-acc when known).
    public var line: String {
        var text = String(format: "cIoU %.2f  gIoU %.2f  Acc@0.5 %.2f", cIoU, gIoU, accAt05)
        if let nAcc { text += String(format: "  N-acc %.2f", nAcc) }
        if let tAcc { text += String(format: "  T-acc %.2f", tAcc) }
        return text + "  (\(expressions) expressions)"
    }
}
