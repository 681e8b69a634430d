import Foundation
import Text4SegCore
import XCTest

/// The confusion matrix stores only the pairs that occur: a ten-thousand-class vocabulary
/// costs what its present classes cost, and every number matches a hand count.
final class SparseConfusionTests: XCTestCase {
    func testTenThousandClassesCostOnlyThePairsPresent() throws {
        let k = 10_000
        // Ground truth: classes 9000, 9001 and ignore (65535); prediction: 9000, 42.
        let truth = LabelMap(width: 4, height: 1, values: [9000, 9000, 9001, 65535])
        let prediction = LabelMap(width: 4, height: 1, values: [9000, 42, 9001, 42])
        var cm = ConfusionMatrix(classCount: k, ignoreValue: 65535)
        try cm.add(prediction: prediction, groundTruth: truth)
        try cm.add(prediction: prediction, groundTruth: truth)
        XCTAssertEqual(cm.entries.count, 4, "one entry per (truth, prediction) pair that occurred")
        XCTAssertEqual(cm[9000, 9000], 2)
        XCTAssertEqual(cm[9000, 42], 2)
        XCTAssertEqual(cm[k, 42], 2, "the ignore value lands in row K")
        let m = cm.metrics(.mmseg)
        XCTAssertEqual(m.classes.count, k)
        XCTAssertEqual(m.classes[9000].iou!, 2.0 / 4.0, accuracy: 1e-12)  // I 2, GT 4, pred 2
        XCTAssertEqual(m.classes[9001].iou!, 1, accuracy: 1e-12)
        XCTAssertEqual(m.classes[42].iou!, 0, accuracy: 1e-12)  // predicted twice on class-9000 pixels
        XCTAssertNil(m.classes[7].iou, "a class with no ground truth and no prediction is skipped")
        XCTAssertEqual(m.meanIoU, (0.5 + 1 + 0) / 3, accuracy: 1e-12)

        let report = EvaluationReport.SparseConfusion(cm)
        XCTAssertEqual(report.shape, [k + 1, k + 1])
        XCTAssertEqual(report.axes, ["ground truth", "prediction"])
        XCTAssertEqual(report.entries, [[9000, 42, 2], [9000, 9000, 2], [9001, 9001, 2], [UInt64(k), 42, 2]])
    }

    func testJournalPairsRoundTripAndBadPairsAreRefused() throws {
        var cm = ConfusionMatrix(classCount: 3, ignoreValue: 255)
        try cm.add(
            prediction: LabelMap(width: 3, height: 1, values: [0, 1, 2]), groundTruth: LabelMap(width: 3, height: 1, values: [0, 2, 255]))
        XCTAssertEqual(try ConfusionMatrix(classCount: 3, ignoreValue: 255, pairs: cm.pairs), cm)
        XCTAssertThrowsError(try ConfusionMatrix(classCount: 3, ignoreValue: 255, pairs: [[16, 1]]), "index past (K + 1)²")
        XCTAssertThrowsError(try ConfusionMatrix(classCount: 3, ignoreValue: 255, pairs: [[1, UInt64.max], [1, 1]]), "overflow")
        XCTAssertThrowsError(try ConfusionMatrix(classCount: 3, ignoreValue: 255, pairs: [[1]]))
    }

    func testFingerprintsNameWhatChanged() {
        var a = RunFingerprint(["grid": "24"])
        a.add(prefix: "refine", DenseCRFRefiner(upsampling: .bilinear))
        var b = a
        b["refine.iterations"] = "7"
        b["openai.model"] = "other"
        XCTAssertEqual(b.differences(from: a), ["openai.model: was unset, now 'other'", "refine.iterations: was '5', now '7'"])
        XCTAssertEqual(a.differences(from: a), [])
        XCTAssertEqual(a["refine.upsampling"], "bilinear")
        var optional = RunFingerprint()
        optional.add(prefix: "x", OptionalHolder(value: nil))
        XCTAssertEqual(optional["x.value"], "none", "optionals print their payload or none")
        optional.add(prefix: "x", OptionalHolder(value: 3))
        XCTAssertEqual(optional["x.value"], "3")
    }
}

struct OptionalHolder { var value: Int? }

extension RefinementInput {
    /// The same input with another view size and `others` value.
    func with(viewSize: Int, others: UInt16? = 0) -> RefinementInput {
        var copy = self
        copy.viewSize = viewSize
        copy.others = others
        return copy
    }
}
