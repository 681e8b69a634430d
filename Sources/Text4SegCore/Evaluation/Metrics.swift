/// The rules that turn a confusion matrix into scores.
public enum EvaluationProtocol: String, Sendable, CaseIterable, Codable {
    /// mmsegmentation's `IoUMetric` (the field's usual protocol, default): ground
    /// truth equal to the ignore value is dropped; per-class IoU = ΣI / ΣU over the
    /// dataset; classes whose union is zero are skipped in the means.
    case mmseg
    /// Text4Seg's own evaluator: bin 0 (`others`) is a pseudo-class that every
    /// ground-truth-0 pixel counts as correct in; predictions on ignored pixels
    /// still count; IoU = I / (U + 1e-10) and the mean runs over all K bins.
    case text4seg
}

/// Scores of one class.
public struct ClassMetric: Sendable, Equatable, Codable {
    /// The class id in the vocabulary (before any zero-label reduction).
    public var id: Int
    public var intersection: UInt64
    public var union: UInt64
    public var groundTruthPixels: UInt64
    public var predictedPixels: UInt64
    /// `nil` when the class is skipped (no ground truth and no prediction).
    public var iou: Double?
    /// `nil` when the class has no ground-truth pixels.
    public var accuracy: Double?
}

/// Dataset-level scores, as fractions in 0…1.
public struct Metrics: Sendable, Equatable {
    public var evaluationProtocol: EvaluationProtocol
    public var reduceZeroLabel: Bool
    public var classes: [ClassMetric]
    public var meanIoU: Double
    public var pixelAccuracy: Double
    public var meanAccuracy: Double
    public var frequencyWeightedIoU: Double
}

extension ConfusionMatrix {
    /// Scores under a protocol. `reduceZeroLabel` (mmseg only) drops class 0:
    /// its ground truth becomes ignore and predictions of it count for no class,
    /// the VOC-20 / Context-59 convention.
    public func metrics(_ evaluationProtocol: EvaluationProtocol = .mmseg, reduceZeroLabel: Bool = false) -> Metrics {
        let k = classCount
        // Row sums, diagonal and the column sums each protocol needs, in one pass over the
        // non-zero pairs: O(pairs + K), whatever the vocabulary's size.
        let first = evaluationProtocol == .mmseg && reduceZeroLabel ? 1 : 0
        var rows = [UInt64](repeating: 0, count: k + 1), diagonal = [UInt64](repeating: 0, count: k + 1)
        var columns = [UInt64](repeating: 0, count: k + 1)
        for (index, count) in entries {
            let (g, p) = index.quotientAndRemainder(dividingBy: k + 1)
            rows[g] += count
            if g == p { diagonal[g] = count }
            switch evaluationProtocol {
            case .mmseg: if g >= first && g < k { columns[p] += count }
            case .text4seg: if g >= 1 { columns[p] += count }
            }
        }
        var classes: [ClassMetric] = []
        switch evaluationProtocol {
        case .mmseg:
            for c in first..<max(first, k) {
                let intersection = diagonal[c], label = rows[c], predicted = columns[c]
                let union = label + predicted - intersection
                classes.append(
                    ClassMetric(
                        id: c, intersection: intersection, union: union, groundTruthPixels: label, predictedPixels: predicted,
                        iou: union > 0 ? Double(intersection) / Double(union) : nil,
                        accuracy: label > 0 ? Double(intersection) / Double(label) : nil))
            }
        case .text4seg:
            let row0 = rows[0]
            for c in 0..<k {
                let label = rows[c]
                let predicted = columns[c] + (c == 0 ? row0 : 0)
                let intersection = c == 0 ? row0 : diagonal[c]
                let union = label + predicted - intersection
                classes.append(
                    ClassMetric(
                        id: c, intersection: intersection, union: union, groundTruthPixels: label, predictedPixels: predicted,
                        iou: Double(intersection) / (Double(union) + 1e-10),
                        accuracy: label > 0 ? Double(intersection) / Double(label) : nil))
            }
        }
        let ious = classes.compactMap(\.iou)
        let accs = classes.compactMap(\.accuracy)
        let totalLabel = classes.reduce(UInt64(0)) { $0 + $1.groundTruthPixels }
        let totalCorrect = classes.reduce(UInt64(0)) { $0 + $1.intersection }
        var fw = 0.0
        if totalLabel > 0 {
            for c in classes where c.groundTruthPixels > 0 {
                fw += Double(c.groundTruthPixels) / Double(totalLabel) * (c.iou ?? 0)
            }
        }
        return Metrics(
            evaluationProtocol: evaluationProtocol, reduceZeroLabel: reduceZeroLabel, classes: classes,
            meanIoU: ious.isEmpty ? 0 : ious.reduce(0, +) / Double(ious.count),
            pixelAccuracy: totalLabel > 0 ? Double(totalCorrect) / Double(totalLabel) : 0,
            meanAccuracy: accs.isEmpty ? 0 : accs.reduce(0, +) / Double(accs.count),
            frequencyWeightedIoU: fw)
    }
}
