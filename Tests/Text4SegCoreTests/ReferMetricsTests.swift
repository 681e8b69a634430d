import Text4SegCore
import XCTest

/// Referring scores on masks small enough to count by hand.
final class ReferMetricsTests: XCTestCase {
    func map(_ rows: [String]) -> LabelMap {
        LabelMap(width: rows[0].count, height: rows.count, values: rows.flatMap { $0.map { $0 == "#" ? 1 : 0 } })
    }

    func testBoxesAtExtremePixelsAndTheirIoU() {
        // Truth: columns 0…2, rows 0…1 → box (0,0)-(2,1), area 2. Prediction: columns 1…2, rows 0…1 → (1,0)-(2,1), area 1.
        let truth = map(["###.", "###.", "...."])
        let prediction = map([".##.", ".##.", "...."])
        XCTAssertEqual(ReferBox(truth), ReferBox(x1: 0, y1: 0, x2: 2, y2: 1))
        XCTAssertEqual(ReferBox(prediction).area, 1)
        // Intersection 1, union 2 + 1 − 1 = 2: 0.5, which is not > 0.5.
        let counts = ReferCounts(prediction: prediction, truth: truth)
        XCTAssertEqual(counts.boxIoU, 0.5)
        XCTAssertEqual(counts.intersection, 4)
        XCTAssertEqual(counts.union, 6)
        XCTAssertEqual(ReferMetrics([counts]).accuracyAt05, 0)
        // An empty prediction's box is (1e8, 1e8, 0, 0): IoU 0. A single pixel's box has area 0: 0/0.
        XCTAssertEqual(ReferBox(map(["..", ".."])), ReferBox(x1: 1e8, y1: 1e8, x2: 0, y2: 0))
        XCTAssertEqual(ReferCounts(prediction: map(["..", ".."]), truth: map(["##", "##"])).boxIoU, 0)
        XCTAssertNil(ReferCounts(prediction: map(["#.", ".."]), truth: map(["#.", ".."])).boxIoU)
        // A mask touching the right and bottom border: box (1,1)-(2,2).
        XCTAssertEqual(ReferBox(map(["...", ".##", ".##"])), ReferBox(x1: 1, y1: 1, x2: 2, y2: 2))
    }

    func testCIoUGIoUAndTheNoTargetAccuracies() {
        let items = [
            // I 4, U 6.
            ReferCounts(intersection: 4, predicted: 4, truth: 6, boxIoU: 0.9),
            // No target, predicted empty: union 0 → IoU 1, nothing added to cIoU; counts for N-acc.
            ReferCounts(intersection: 0, predicted: 0, truth: 0, boxIoU: nil),
            // No target, 5 pixels predicted: IoU 0, U 5; counts against N-acc.
            ReferCounts(intersection: 0, predicted: 5, truth: 0, boxIoU: 0),
            // Target missed: IoU 0, U 10; counts against T-acc.
            ReferCounts(intersection: 0, predicted: 0, truth: 10, boxIoU: 0),
        ]
        let metrics = ReferMetrics(items)
        XCTAssertEqual(metrics.cIoU, 4.0 / (21 + 1e-10), accuracy: 1e-12)
        XCTAssertEqual(metrics.gIoU, (4.0 / (6 + 1e-5) + 1 + 0 + 0) / 4, accuracy: 1e-12)
        XCTAssertEqual(metrics.accuracyAt05, 0.25)
        XCTAssertEqual(metrics.nAcc, 0.5)
        XCTAssertEqual(metrics.tAcc, 0.5)
        XCTAssertNil(ReferMetrics([items[0]]).nAcc)
        XCTAssertEqual(ReferMetrics([]).count, 0)
    }
}
