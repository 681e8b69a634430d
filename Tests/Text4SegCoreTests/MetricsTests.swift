import Text4SegCore
import XCTest

/// Hand-checked expectations on a 3-class toy problem (values 0, 1, 2; 255 = ignore).
final class MetricsTests: XCTestCase {
    // Ground truth and prediction, 10 pixels each.
    let truth = LabelMap(width: 10, height: 1, values: [0, 0, 0, 1, 1, 1, 1, 255, 255, 2])
    let prediction = LabelMap(width: 10, height: 1, values: [0, 1, 0, 1, 1, 0, 1, 1, 2, 0])

    func matrix() throws -> ConfusionMatrix {
        var cm = ConfusionMatrix(classCount: 3, ignoreValue: 255)
        try cm.add(prediction: prediction, groundTruth: truth)
        return cm
    }

    func testCountsIncludingTheIgnoreRow() throws {
        let cm = try matrix()
        XCTAssertEqual(cm[0, 0], 2)
        XCTAssertEqual(cm[0, 1], 1)
        XCTAssertEqual(cm[1, 1], 3)
        XCTAssertEqual(cm[1, 0], 1)
        XCTAssertEqual(cm[2, 0], 1)
        XCTAssertEqual(cm[3, 1], 1)  // ignore row
        XCTAssertEqual(cm[3, 2], 1)
        XCTAssertEqual(cm.counts.reduce(0, +), 10)
    }

    func testMMSegProtocol() throws {
        let m = try matrix().metrics(.mmseg)
        // class 0: I=2, GT=3, pred (non-ignore rows)=2+1+1=... pred0 on rows 0..2 = 2 + 1 + 1 = 4 → U = 3 + 4 - 2 = 5
        XCTAssertEqual(m.classes[0].iou!, 2.0 / 5.0, accuracy: 1e-12)
        // class 1: I=3, GT=4, pred1 on rows 0..2 = 1 + 3 = 4 → U = 5
        XCTAssertEqual(m.classes[1].iou!, 3.0 / 5.0, accuracy: 1e-12)
        // class 2: I=0, GT=1, pred2 on rows 0..2 = 0 → U = 1
        XCTAssertEqual(m.classes[2].iou!, 0, accuracy: 1e-12)
        XCTAssertEqual(m.meanIoU, (0.4 + 0.6 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.pixelAccuracy, 5.0 / 8.0, accuracy: 1e-12)
        XCTAssertEqual(m.meanAccuracy, (2.0 / 3 + 3.0 / 4 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.frequencyWeightedIoU, 3.0 / 8 * 0.4 + 4.0 / 8 * 0.6, accuracy: 1e-12)
    }

    func testClassesWithNoGroundTruthAndNoPredictionAreSkipped() throws {
        var cm = ConfusionMatrix(classCount: 4, ignoreValue: 255)
        try cm.add(prediction: prediction, groundTruth: truth)
        let m = cm.metrics(.mmseg)
        XCTAssertNil(m.classes[3].iou)
        XCTAssertNil(m.classes[3].accuracy)
        XCTAssertEqual(m.meanIoU, (0.4 + 0.6 + 0) / 3, accuracy: 1e-12)
        // A class predicted but absent from the ground truth counts as 0.
        var cm2 = ConfusionMatrix(classCount: 4, ignoreValue: 255)
        try cm2.add(prediction: LabelMap(width: 2, height: 1, values: [3, 0]), groundTruth: LabelMap(width: 2, height: 1, values: [0, 0]))
        let m2 = cm2.metrics(.mmseg)
        XCTAssertEqual(m2.classes[3].iou, 0)
        XCTAssertEqual(m2.meanIoU, 0.25, accuracy: 1e-12)
    }

    func testReduceZeroLabel() throws {
        let m = try matrix().metrics(.mmseg, reduceZeroLabel: true)
        XCTAssertEqual(m.classes.map(\.id), [1, 2])
        // class 1: I=3, GT row 1 = 4, pred1 on rows 1..2 = 3 → U = 4
        XCTAssertEqual(m.classes[0].iou!, 3.0 / 4.0, accuracy: 1e-12)
        // class 2: I=0, GT=1, pred2 on rows 1..2 = 0 → U = 1
        XCTAssertEqual(m.classes[1].iou!, 0, accuracy: 1e-12)
        XCTAssertEqual(m.meanIoU, 0.375, accuracy: 1e-12)
        XCTAssertEqual(m.pixelAccuracy, 3.0 / 5.0, accuracy: 1e-12)
    }

    func testTextSegProtocol() throws {
        let m = try matrix().metrics(.text4seg)
        // Bin 0: every GT-0 pixel counts as predicted 0 and correct: I = 3.
        // Pred 0 elsewhere: rows 1, 2 → 2 (the ignore row predicts 1 and 2). U = 3 + (3 + 2) - 3 = 5.
        XCTAssertEqual(m.classes[0].iou!, 3.0 / 5.0, accuracy: 1e-9)
        // Class 1: I = 3, GT = 4, predicted on rows 1..3 = 3 + 1 (ignore row) = 4 → U = 5.
        XCTAssertEqual(m.classes[1].iou!, 3.0 / 5.0, accuracy: 1e-9)
        // Class 2: I = 0, GT = 1, predicted = 1 (on the ignore row) → U = 2.
        XCTAssertEqual(m.classes[2].iou!, 0, accuracy: 1e-9)
        XCTAssertEqual(m.meanIoU, 0.4, accuracy: 1e-9)
        // A bin with no union counts as 0 in the mean (Text4Seg divides by U + 1e-10).
        var cm = ConfusionMatrix(classCount: 4, ignoreValue: 255)
        try cm.add(prediction: prediction, groundTruth: truth)
        XCTAssertEqual(cm.metrics(.text4seg).meanIoU, 0.3, accuracy: 1e-9)
    }

    func testMatricesMergeAndRejectSizeMismatch() throws {
        let sum = try matrix() + matrix()
        XCTAssertEqual(sum[1, 1], 6)
        XCTAssertEqual(sum.metrics().meanIoU, try matrix().metrics().meanIoU, accuracy: 1e-12)
        var cm = ConfusionMatrix(classCount: 3)
        XCTAssertThrowsError(try cm.add(prediction: LabelMap(width: 2, height: 2), groundTruth: LabelMap(width: 2, height: 3))) { error in
            XCTAssertTrue("\(error)".contains("2×2"), "\(error)")
        }
    }
}
