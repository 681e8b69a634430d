import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// `Resampling.cv2Linear` against OpenCV's `cv2.resize(..., interpolation=cv2.INTER_LINEAR)`:
/// the fixtures come from scripts/cv2_resize_reference.py (see Fixtures/cv2-resize/PROVENANCE.md).
final class CV2ResizeTests: XCTestCase {
    private struct Case: Decodable {
        let source: String
        let width: Int
        let height: Int
        let expected: String
    }

    func testMatchesOpenCVByteForByte() throws {
        let root = TestPaths.fixtures + "/cv2-resize"
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: URL(fileURLWithPath: root + "/cases.json")))
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        var sources: [String: RGBImage] = [:]
        for item in cases {
            let source = try sources[item.source] ?? ImageIO.readImage(root + "/" + item.source)
            sources[item.source] = source
            let expected = try ImageIO.readImage(root + "/" + item.expected)
            XCTAssertEqual(expected.width, item.width, item.expected)
            XCTAssertEqual(expected.height, item.height, item.expected)
            let resized = Resampling.cv2Linear(source, width: item.width, height: item.height)
            XCTAssertEqual(resized.width, item.width, item.expected)
            XCTAssertEqual(resized.height, item.height, item.expected)
            guard resized.pixels.count == expected.pixels.count, resized.pixels != expected.pixels else { continue }
            let differing = expected.pixels.indices.filter { resized.pixels[$0] != expected.pixels[$0] }
            let first = differing[0]
            XCTFail(
                "\(item.expected): \(differing.count) of \(expected.pixels.count) bytes differ; first at x \(first / 3 % item.width), "
                    + "y \(first / 3 / item.width), channel \(first % 3): \(resized.pixels[first]) instead of \(expected.pixels[first])")
        }
        // The photo at mmseg's 448 short side (500 × 366 · min(2048 / 500, 448 / 366), + 0.5, truncated).
        XCTAssertTrue(cases.contains { $0.source.hasSuffix("voc-2007_000033.png") && $0.width == 612 && $0.height == 448 })
    }

    func testHandComputedTwoToThreeColumns() {
        // 2×1 → 3×1. s = 1 / (3 / 2) = 0.666…6 (a double just under 2/3); f = Float((d + 0.5) · s − 0.5):
        //   d = 0: f = −0.1667 → column −1 is left of the image: column 0, weights (2048, 0)
        //   d = 1: (1.5 · s rounds to exactly 1.0) f = 0.5 → column 0, weights (1024, 1024)
        //   d = 2: f = 1.1667 → column 1 is the last one: column 1, weights (2048, 0)
        // Rows: 1 → 1 gives f = 0, weights (2048, 0) on row 0 twice. Per channel, h = p₀·a₀ + p₁·a₁ and
        // out = (((2048 · (h >> 4)) >> 16) + ((0 · (h >> 4)) >> 16) + 2) >> 2, so d = 0 and d = 2 copy p₀ and p₁:
        //   red (10, 203):  h = 1024 · 213 = 218112, h >> 4 = 13632, · 2048 >> 16 = 426, (426 + 2) >> 2 = 107
        //                   (the mean 106.5 rounds up, not to the even 106)
        //   green (0, 1):   h = 1024, h >> 4 = 64, · 2048 >> 16 = 2, (2 + 2) >> 2 = 1 (0.5 rounds up)
        //   blue (255, 254): h = 521216, h >> 4 = 32576, · 2048 >> 16 = 1018, (1018 + 2) >> 2 = 255
        let image = RGBImage(width: 2, height: 1, pixels: [10, 0, 255, 203, 1, 254])
        let resized = Resampling.cv2Linear(image, width: 3, height: 1)
        XCTAssertEqual(resized.pixels, [10, 0, 255, 107, 1, 255, 203, 1, 254])
    }

    func testHandComputedVerticalRoundingIsOpenCVsNotTheExactSum() {
        // 3×3 → 2×2, both axes: s = 1 / (2 / 3) = 1.5; d = 0: f = 0.25 → index 0, weights (1536, 512);
        // d = 1: f = 1.75 → index 1, weights (512, 1536). Only column 0 is not black, so for output column 0
        // h = 1536 · p(row, 0):
        //   (0, 0) red: rows 0 and 1 hold 11 and 7: h₀ = 16896, h₁ = 10752;
        //     ((1536 · (16896 >> 4)) >> 16) + ((512 · (10752 >> 4)) >> 16) = 24 + 5, (29 + 2) >> 2 = 7.
        //     The exact value is 0.5625 · 11 + 0.1875 · 7 = 7.5, and rounding the 22-bit sum as OpenCV's
        //     generic FixedPtCast would, (1536 · 16896 + 512 · 10752 + 2²¹) >> 22, gives 8: OpenCV gives 7.
        //   (0, 0) green: 3 and 255: h₀ = 4608, h₁ = 391680; (1536 · 288) >> 16 = 6, (512 · 24480) >> 16 = 191,
        //     (197 + 2) >> 2 = 49 (exact 49.5, FixedPtCast 50).
        //   (0, 1) rows 1 and 2 with weights (512, 1536): red (512 · 672) >> 16 = 5, (5 + 2) >> 2 = 1;
        //     green (512 · 24480) >> 16 = 191, (191 + 2) >> 2 = 48.
        var pixels = [UInt8](repeating: 0, count: 27)
        pixels[0...2] = [11, 3, 0]
        pixels[9...11] = [7, 255, 0]
        let resized = Resampling.cv2Linear(RGBImage(width: 3, height: 3, pixels: pixels), width: 2, height: 2)
        XCTAssertEqual(resized.pixels, [7, 49, 0, 0, 0, 0, 1, 48, 0, 0, 0, 0])
    }

    func testSameSizeIsTheInputAndAnySizeIsSafe() {
        var rng = SplitMix64(seed: 2048)
        for _ in 0..<300 {
            let width = Int.random(in: 1...40, using: &rng), height = Int.random(in: 1...40, using: &rng)
            let pixels = (0..<(width * height * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let image = RGBImage(width: width, height: height, pixels: pixels)
            XCTAssertEqual(Resampling.cv2Linear(image, width: width, height: height), image)
            let newWidth = Int.random(in: 1...90, using: &rng), newHeight = Int.random(in: 1...90, using: &rng)
            let resized = Resampling.cv2Linear(image, width: newWidth, height: newHeight)
            XCTAssertEqual(resized.width, newWidth)
            XCTAssertEqual(resized.height, newHeight)
            XCTAssertEqual(resized.pixels.count, newWidth * newHeight * 3)
            // A flat image stays flat at its colour, whatever the factors (as in OpenCV).
            let colour = RGBColor(UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng), 255)
            let flat = Resampling.cv2Linear(RGBImage(width: width, height: height, fill: colour), width: newWidth, height: newHeight)
            XCTAssertEqual(flat, RGBImage(width: newWidth, height: newHeight, fill: colour))
        }
        for (from, to) in [((1, 1), (1, 3000)), ((3000, 1), (1, 1)), ((1, 1000), (1000, 1)), ((3, 1000), (1, 333)), ((1, 2), (1, 1))] {
            let colour = RGBColor(9, 99, 199)
            let resized = Resampling.cv2Linear(RGBImage(width: from.0, height: from.1, fill: colour), width: to.0, height: to.1)
            XCTAssertEqual(resized, RGBImage(width: to.0, height: to.1, fill: colour))
        }
    }
}
