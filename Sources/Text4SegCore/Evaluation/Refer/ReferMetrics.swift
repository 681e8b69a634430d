import Foundation

/// One referring expression's outcome: the foreground pixels of the prediction and the truth,
/// their intersection, and the box IoU of the two masks (REC by mask-to-box).
///
///     let counts = ReferCounts(prediction: predicted, truth: truth)   // two 0/1 maps of one size
///     counts.iou   // I / (U + 1e-5), or 1 when both are empty
public struct ReferCounts: Sendable, Codable, Equatable {
    public var intersection: UInt64
    /// Foreground pixels predicted.
    public var predicted: UInt64
    /// Foreground pixels in the truth (0 for a gRefCOCO no-target expression).
    public var truth: UInt64
    /// The box IoU of the two masks' boxes, `nil` where it is 0/0 (two single-row or single-column
    /// boxes that do not overlap in area), which never counts as > 0.5.
    public var boxIoU: Double?

    public init(intersection: UInt64, predicted: UInt64, truth: UInt64, boxIoU: Double?) {
        self.intersection = intersection
        self.predicted = predicted
        self.truth = truth
        self.boxIoU = boxIoU
    }

    /// Counts two masks of one size, where any non-zero value is foreground, except that truth
    /// pixels of `ignoreValue` (ReasonSeg's `ignore` shapes) count in neither mask; the truth's
    /// box is that of its foreground, the prediction's that of all of it.
    public init(prediction: LabelMap, truth: LabelMap, ignoreValue: UInt16 = 255) {
        precondition(prediction.width == truth.width && prediction.height == truth.height, "masks of one size")
        var i: UInt64 = 0
        var p: UInt64 = 0
        var t: UInt64 = 0
        for (a, b) in zip(prediction.values, truth.values) where b != ignoreValue {
            let inP = a != 0
            let inT = b != 0
            if inP { p += 1 }
            if inT { t += 1 }
            if inP && inT { i += 1 }
        }
        intersection = i
        predicted = p
        self.truth = t
        boxIoU = ReferBox.iou(ReferBox(prediction), ReferBox(truth, ignoring: ignoreValue))
    }

    public var union: UInt64 { predicted + truth - intersection }

    /// The expression's IoU as Text4Seg's `eval_refer_seg.py` adds it into gIoU: I / (U + 1e-5),
    /// and 1 when the union is empty.
    public var iou: Double { union == 0 ? 1 : Double(intersection) / (Double(union) + 1e-5) }
}

/// The box of a mask as Text4Seg's `masks_to_boxes` computes it (`llava/eval/utils.py`):
/// corners at the extreme pixel indices (x1 = least column, x2 = greatest, no +1), in float32;
/// an empty mask's box is (1e8, 1e8, 0, 0). Areas are (x2 − x1)·(y2 − y1), as torchvision's `box_area`.
public struct ReferBox: Sendable, Equatable {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        (self.x1, self.y1, self.x2, self.y2) = (x1, y1, x2, y2)
    }

    /// The box of the mask's non-zero pixels, leaving out those of `ignoring`.
    public init(_ mask: LabelMap, ignoring: UInt16? = nil) {
        var (minX, minY, maxX, maxY) = (Int.max, Int.max, -1, -1)
        for y in 0..<mask.height {
            let row = y * mask.width
            for x in 0..<mask.width where mask.values[row + x] != 0 && mask.values[row + x] != ignoring {
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
            }
        }
        if maxX < 0 {
            self.init(x1: 1e8, y1: 1e8, x2: 0, y2: 0)
        } else {
            self.init(x1: Float(minX), y1: Float(minY), x2: Float(maxX), y2: Float(maxY))
        }
    }

    public var area: Float { (x2 - x1) * (y2 - y1) }

    /// `box_iou` of the two boxes (float32, as the reference computes it), or `nil` for 0/0.
    public static func iou(_ a: ReferBox, _ b: ReferBox) -> Double? {
        let w = max(0, min(a.x2, b.x2) - max(a.x1, b.x1))
        let h = max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        let intersection = w * h
        let union = a.area + b.area - intersection
        let iou = intersection / union
        return iou.isNaN ? nil : Double(iou)
    }
}

/// The referring scores of a set of expressions, as the papers report them: cIoU (summed
/// intersection over summed union of the foreground), gIoU (the mean per-expression IoU, an
/// empty union counting 1), Acc@0.5 (box IoU strictly above 0.5, REC by mask-to-box), and for
/// sets with no-target expressions (gRefCOCO) N-acc (no-target expressions predicted empty) and
/// T-acc (targeted ones predicted non-empty).
public struct ReferMetrics: Sendable, Equatable, Codable {
    public var count: Int
    public var cIoU: Double
    public var gIoU: Double
    public var accuracyAt05: Double
    /// `nil` when no expression is without a target.
    public var nAcc: Double?
    /// `nil` when every expression is without a target.
    public var tAcc: Double?

    public init(_ items: [ReferCounts]) {
        count = items.count
        var intersection: UInt64 = 0
        var union: UInt64 = 0
        var iouSum = 0.0
        var hits = 0
        var noTarget = 0
        var noTargetEmpty = 0
        var targeted = 0
        var targetedFound = 0
        for item in items {
            intersection += item.intersection
            union += item.union
            iouSum += item.iou
            if let box = item.boxIoU, box > 0.5 { hits += 1 }
            if item.truth == 0 {
                noTarget += 1
                if item.predicted == 0 { noTargetEmpty += 1 }
            } else {
                targeted += 1
                if item.predicted > 0 { targetedFound += 1 }
            }
        }
        // eval_refer_seg.py: iou_class = intersection_sum / (union_sum + 1e-10).
        cIoU = Double(intersection) / (Double(union) + 1e-10)
        gIoU = count > 0 ? iouSum / Double(count) : 0
        accuracyAt05 = count > 0 ? Double(hits) / Double(count) : 0
        nAcc = noTarget > 0 ? Double(noTargetEmpty) / Double(noTarget) : nil
        tAcc = targeted > 0 ? Double(targetedFound) / Double(targeted) : nil
    }
}
