import Foundation

/// One item as the report lists it: its ``ItemRecord`` (what the journal stores, so
/// shard reports can be merged from it) with what people read per image: its place in
/// the split, its own mIoU and pixel accuracy under the report's protocol, the classes
/// in its ground truth and in its prediction, and its time.
public struct ItemResult: Sendable, Codable {
    public var record: ItemRecord
    /// The item's position in the whole split (shards keep the full split's numbering).
    public var index: Int
    /// Percentages; `nil` when no class counts (all pixels ignored).
    public var mIoU: Double?
    public var aAcc: Double?
    /// Class names present in the ground truth and in the prediction (ignored pixels excluded).
    public var groundTruth: [String]
    public var predicted: [String]
    /// Engine and client seconds together.
    public var seconds: Double
    /// A referring item's IoU and box IoU, in percent (box IoU `nil` where it is 0/0).
    public var iou: Double?
    public var boxIoU: Double?

    /// What ranks it: its mIoU, or a referring item's IoU.
    public var score: Double? { mIoU ?? iou }

    public init(
        record: ItemRecord, index: Int, vocabulary: Vocabulary, protocol evaluationProtocol: EvaluationProtocol, reduceZeroLabel: Bool
    ) {
        self.record = record
        self.index = index
        seconds = record.engineSeconds + record.clientSeconds
        if let refer = record.refer, record.failed == nil {
            iou = refer.iou * 100
            boxIoU = refer.boxIoU.map { $0 * 100 }
            groundTruth = refer.truth > 0 ? [record.expression ?? "target"] : []
            predicted = refer.predicted > 0 ? [record.expression ?? "target"] : []
            return
        }
        let k = vocabulary.labelCount
        let matrix = (try? record.matrix(classCount: k, ignoreValue: vocabulary.ignoreValue)) ?? nil
        var truthPixels = [UInt64](repeating: 0, count: k), predictedPixels = [UInt64](repeating: 0, count: k)
        // From the checked matrix, not the raw pairs: its indexes fit K and its counts sum within Limits.pixelCount.
        for (index, count) in matrix?.entries ?? [:] {
            let (row, column) = index.quotientAndRemainder(dividingBy: k + 1)
            guard row < k else { continue }  // ignored ground truth
            truthPixels[row] += count
            if column < k { predictedPixels[column] += count }
        }
        let name = { (id: Int) in vocabulary.class(id: id)?.name ?? "class \(id)" }
        groundTruth = truthPixels.indices.filter { truthPixels[$0] > 0 }.map(name)
        predicted = predictedPixels.indices.filter { predictedPixels[$0] > 0 }.map(name)
        if let metrics = matrix?.metrics(evaluationProtocol, reduceZeroLabel: reduceZeroLabel),
            metrics.classes.contains(where: { $0.iou != nil })
        {
            mIoU = metrics.meanIoU * 100
            aAcc = metrics.pixelAccuracy * 100
        }
    }

    enum CodingKeys: String, CodingKey { case index, mIoU, aAcc, groundTruth, predicted, seconds, iou, boxIoU }

    /// Reads what ``encode(to:)`` wrote (`text4seg report` and `eval merge` read reports back).
    public init(from decoder: Decoder) throws {
        record = try ItemRecord(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        mIoU = try c.decodeIfPresent(Double.self, forKey: .mIoU)
        aAcc = try c.decodeIfPresent(Double.self, forKey: .aAcc)
        groundTruth = try c.decode([String].self, forKey: .groundTruth)
        predicted = try c.decode([String].self, forKey: .predicted)
        seconds = try c.decode(Double.self, forKey: .seconds)
        iou = try c.decodeIfPresent(Double.self, forKey: .iou)
        boxIoU = try c.decodeIfPresent(Double.self, forKey: .boxIoU)
    }

    /// The record's fields, then the per-image ones, in one JSON object.
    public func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        if let mIoU { try c.encode(mIoU, forKey: .mIoU) } else { try c.encodeNil(forKey: .mIoU) }
        if let aAcc { try c.encode(aAcc, forKey: .aAcc) } else { try c.encodeNil(forKey: .aAcc) }
        try c.encode(groundTruth, forKey: .groundTruth)
        try c.encode(predicted, forKey: .predicted)
        try c.encode(seconds, forKey: .seconds)
        try c.encodeIfPresent(iou, forKey: .iou)
        try c.encodeIfPresent(boxIoU, forKey: .boxIoU)
    }
}
