import Foundation
import Text4SegCore
import XCTest

@testable import Text4SegModels

/// The methods' per-pixel post-processing, on numbers worked out by hand.
final class CLIPDecisionTests: XCTestCase {
    /// Planar logits `queries × 1 × width` from per-pixel columns.
    func rows(_ pixels: [[Float]]) -> PlanarLogitRows {
        let q = pixels[0].count
        var planes = [Float](repeating: 0, count: q * pixels.count)
        for (x, pixel) in pixels.enumerated() { for k in 0..<q { planes[k * pixels.count + x] = pixel[k] } }
        return PlanarLogitRows(planes: planes, queries: q, height: 1, width: pixels.count)
    }

    func decide(_ decision: CLIPDecision, _ pixels: [[Float]]) -> CLIPDecision.Result {
        let source = rows(pixels)
        return decision.decide(width: pixels.count, height: 1, bands: [0..<1], cells: .init(rows: 1, cols: 1), jobs: 2) { _ in (source, 0) }
    }

    /// Logits (0, ln 2, 0) of queries on classes (0, 1, 1): softmax (1, 2, 1) / 4, so class 0 has
    /// 0.25 and class 1 its best name's 0.5: class 1 wins, unless the threshold is over 0.5.
    func testABestNameDecidesItsClassAndTheThresholdFallsBackToLineZero() {
        var decision = CLIPDecision(slots: [0, 1, 1], classes: 2, logitScale: 1, threshold: 0.4)
        let pixel: [Float] = [0, log(2), 0]
        var result = decide(decision, [pixel])
        XCTAssertEqual(result.labels, [1])
        XCTAssertEqual(result.cellScores[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(result.cellScores[1], 0.5, accuracy: 1e-6)
        decision.threshold = 0.6
        result = decide(decision, [pixel])
        XCTAssertEqual(result.labels, [CLIPDecision.belowThreshold])
        // The logit scale multiplies before the softmax: ×2 gives (1, 4, 1) / 6.
        decision = CLIPDecision(slots: [0, 1, 1], classes: 2, logitScale: 2, threshold: 0)
        result = decide(decision, [pixel])
        XCTAssertEqual(result.cellScores[1], 4.0 / 6, accuracy: 1e-6)
    }

    /// Equal probabilities go to the first class, as `torch.argmax` does.
    func testTiesGoToTheFirstClass() {
        let result = decide(
            CLIPDecision(slots: [0, 1, 2], classes: 3, logitScale: 40, threshold: 0), [[0.3, 0.3, 0.3], [0.1, 0.5, 0.5]])
        XCTAssertEqual(result.labels, [0, 1])
    }

    /// SCLIP's area threshold: of 10 pixels, 3 are class 0's, 6 class 1's and 1 class 2's. The
    /// classes other than 0 hold 7 pixels; 0.2 × 7 = 1.4, so class 2 (1 pixel) is dropped: its
    /// probability becomes 0 everywhere and its pixel goes to the next best, class 0 (e¹ > e⁰).
    func testTheAreaThresholdDropsClassesWithFewPixels() {
        let pixels: [[Float]] = Array(repeating: [2, 0, 0], count: 3) + Array(repeating: [0, 2, 0], count: 6) + [[1, 0, 2]]
        var decision = CLIPDecision(slots: [0, 1, 2], classes: 3, logitScale: 1, threshold: 0, areaThreshold: 0.2)
        var result = decide(decision, pixels)
        XCTAssertEqual(result.labels, [0, 0, 0, 1, 1, 1, 1, 1, 1, 0])
        XCTAssertEqual(result.cellScores[2], 0, "a dropped class scores 0")
        // Under a share of 0.1 (0.7 pixels) class 2 stays.
        decision.areaThreshold = 0.1
        result = decide(decision, pixels)
        XCTAssertEqual(result.labels.last, 2)
    }

    /// NACLIP divides the kept probabilities by their sum after deciding: (0.25, 0.5) → (1/3, 2/3).
    func testRenormalizingChangesScoresNotLabels() {
        let decision = CLIPDecision(slots: [0, 1, 1], classes: 2, logitScale: 1, threshold: 0.45, renormalize: true)
        let result = decide(decision, [[0, log(2), 0]])
        XCTAssertEqual(result.labels, [1])
        XCTAssertEqual(result.cellScores[0], 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(result.cellScores[1], 2.0 / 3, accuracy: 1e-6)
    }

    /// Bands whose logits hold more rows than they decide (PAMR's margins) give the labels of one band.
    func testBandsWithMarginsDecideAsOneBand() {
        let (width, height, q) = (7, 9, 4)
        var generator = SplitMix64(seed: 3)
        let planes = (0..<(q * width * height)).map { _ in Float(generator.next() % 1000) / 500 - 1 }
        let source = PlanarLogitRows(planes: planes, queries: q, height: height, width: width)
        let decision = CLIPDecision(slots: [0, 1, 2, 2], classes: 3, logitScale: 10, threshold: 0.5, areaThreshold: 0.1)
        let whole = decision.decide(width: width, height: height, bands: [0..<height], cells: .init(rows: 3, cols: 2), jobs: 3) { _ in
            (source, 0)
        }
        let banded = decision.decide(width: width, height: height, bands: [0..<4, 4..<9], cells: .init(rows: 3, cols: 2), jobs: 2) {
            band in
            let low = max(0, band.lowerBound - 2), high = min(height, band.upperBound + 2)
            var part = [Float]()
            for k in 0..<q { part += planes[((k * height + low) * width)..<((k * height + high) * width)] }
            return (PlanarLogitRows(planes: part, queries: q, height: high - low, width: width), low)
        }
        XCTAssertEqual(whole.labels, banded.labels)
        for (a, b) in zip(whole.cellScores, banded.cellScores) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertGreaterThan(Set(whole.labels).count, 1)
    }
}

/// PAMR in bands with margins, a group of queries at a time, equals one PAMR over the whole image.
final class PAMRLogitRowsTests: XCTestCase {
    func testBandsAndGroupsEqualOnePAMROverTheWholeImage() {
        let (q, height, width) = (5, 70, 23)
        var generator = SplitMix64(seed: 11)
        func noise(_ count: Int) -> [Float] { (0..<count).map { _ in Float(generator.next() % 2000) / 1000 - 1 } }
        let logits = noise(q * height * width), pixels = noise(3 * height * width)
        let pamr = PAMR(iterations: 3, dilations: [1, 3])
        var whole = logits
        pamr.refine(&whole, channels: q, image: pixels, imageChannels: 3, width: width, height: height)
        let source = PlanarLogitRows(planes: logits, queries: q, height: height, width: width)
        let image = PlanarLogitRows(planes: pixels, queries: 3, height: height, width: width)
        // A budget this small gives bands of 16 rows and one query at a time.
        let banded = PAMRLogitRows(source: source, image: image, pamr: pamr, budget: 1000)
        XCTAssertGreaterThan(banded.bands.count, 3)
        XCTAssertEqual(banded.group, 1)
        var worst: Float = 0
        var row = [Float](repeating: 0, count: q * width)
        for band in banded.bands {
            let (rows, offset) = banded.band(band)
            for y in band {
                row.withUnsafeMutableBufferPointer { rows.row(y - offset, into: $0.baseAddress!) }
                for k in 0..<q { for x in 0..<width { worst = max(worst, abs(row[k * width + x] - whole[(k * height + y) * width + x])) } }
            }
        }
        XCTAssertLessThan(worst, 1e-5)
        // The default budget takes this image in one band and one group.
        let one = PAMRLogitRows(source: source, image: image, pamr: pamr)
        XCTAssertEqual(one.bands, [0..<height])
        XCTAssertEqual(one.group, q)
    }
}
