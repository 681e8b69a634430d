import Foundation
import Text4SegTestSupport
import XCTest

@testable import Text4SegCore

/// ``PAMR`` against NACLIP's own `pamr.py` (fixtures made by `scripts/pamr_reference.py`),
/// a case worked by hand, and ``PAMRRefiner`` on a small scene.
final class PAMRTests: XCTestCase {
    struct Case: Decodable {
        var name: String
        var width: Int
        var height: Int
        var imageChannels: Int
        var channels: Int
        var iterations: Int
        var dilations: [Int]
        var affinity: Bool
    }

    struct Cases: Decodable {
        var torch: String
        var cases: [Case]
    }

    static let folder = TestPaths.fixtures + "/pamr"

    func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/" + name))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }

    /// The largest |a − b| / max(1, |b|): absolute for values up to 1, relative above.
    func largestError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    func testMatchesTheOfficialCodeOnEveryFixture() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/cases.json"))
        let cases = try JSONDecoder().decode(Cases.self, from: data).cases
        XCTAssertGreaterThanOrEqual(cases.count, 4)
        for item in cases {
            let pamr = PAMR(iterations: item.iterations, dilations: item.dilations)
            let image = try floats(item.name + ".image.bin")
            var mask = try floats(item.name + ".mask.bin")
            let expected = try floats(item.name + ".out.bin")
            XCTAssertEqual(image.count, item.imageChannels * item.width * item.height, item.name)
            XCTAssertEqual(mask.count, item.channels * item.width * item.height, item.name)
            if item.affinity {
                let weights = pamr.affinity(
                    image: image, imageChannels: item.imageChannels, width: item.width, height: item.height)
                let reference = try floats(item.name + ".affinity.bin")
                XCTAssertEqual(weights.count, reference.count, item.name)
                XCTAssertLessThan(largestError(weights, reference), 1e-5, "\(item.name): affinity")
            }
            pamr.refine(
                &mask, channels: item.channels, image: image, imageChannels: item.imageChannels, width: item.width,
                height: item.height)
            XCTAssertLessThan(largestError(mask, expected), 1e-4, item.name)
        }
    }

    func testConstantImageAveragesTheEightNeighboursWithReplicatedEdges() {
        // A constant image has no spread (σ = 0) and no differences, so every weight is
        // softmax(0, …, 0) = 1/8 for one dilation: one step is the plain mean of the 8
        // neighbours, the pixel itself left out, edges replicated. On the 3×3 mask
        //     0 1 2
        //     3 4 5
        //     6 7 8
        // the corner (0, 0) reads 0 0 1 / 0 · 1 / 3 3 4, which is 12 / 8 = 1.5; the top middle
        // reads 0 1 2 / 0 · 2 / 3 4 5 = 17 / 8; the centre, all the others, 32 / 8 = 4. By
        // linearity it is 3·r̄ + c̄, with the mean clamped row or column r̄ = (3/8, 1, 13/8).
        // (PyTorch's pamr.py gives the same.)
        var mask: [Float] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
        PAMR(iterations: 1, dilations: [1]).refine(
            &mask, channels: 1, image: [Float](repeating: 0.25, count: 9), imageChannels: 1, width: 3, height: 3)
        let expected: [Float] = [1.5, 2.125, 2.75, 3.375, 4, 4.625, 5.25, 5.875, 6.5]
        for (value, wanted) in zip(mask, expected) { XCTAssertEqual(value, wanted, accuracy: 1e-6) }
    }

    func testAnImageSmallerThanTheDilationsReplicatesItsEdges() {
        // A 2×1 row [0, 8], dilations 8 and 16: every neighbour of pixel 0 falls on pixel 0
        // except the three to its right (up-right, right, down-right), which fall on pixel 1.
        // So one step gives (5·0 + 3·8) / 8 = 3 and (3·0 + 5·8) / 8 = 5 (the same for both
        // dilations), and a second step (5·3 + 3·5) / 8 = 3.75 and 4.25.
        var mask: [Float] = [0, 8]
        PAMR(iterations: 1).refine(&mask, channels: 1, image: [0.5, 0.5], imageChannels: 1, width: 2, height: 1)
        XCTAssertEqual(mask[0], 3, accuracy: 1e-6)
        XCTAssertEqual(mask[1], 5, accuracy: 1e-6)
        PAMR(iterations: 1).refine(&mask, channels: 1, image: [0.5, 0.5], imageChannels: 1, width: 2, height: 1)
        XCTAssertEqual(mask[0], 3.75, accuracy: 1e-6)
        XCTAssertEqual(mask[1], 4.25, accuracy: 1e-6)
    }

    func testTinyAndDegenerateSizesDoNotTrap() {
        for (width, height) in [(1, 1), (1, 37), (37, 1), (2, 3), (17, 16)] {
            for dilations in [[8, 16], [1], [0], [-3, 2], [100], []] {
                let image = (0..<(3 * width * height)).map { Float($0 % 7) / 7 }
                var mask = [Float](repeating: 0.5, count: 2 * width * height)
                PAMR(iterations: 3, dilations: dilations).refine(
                    &mask, channels: 2, image: image, imageChannels: 3, width: width, height: height)
                // The weights sum to 1, so a constant mask stays as it is.
                for value in mask { XCTAssertEqual(value, 0.5, accuracy: 1e-6, "\(width)×\(height) \(dilations)") }
                var plain: [Float] = (0..<(width * height)).map(Float.init)
                PAMR(iterations: 1, dilations: dilations).refine(
                    &plain, channels: 1, image: [], imageChannels: 0, width: width, height: height)
                XCTAssertTrue(plain.allSatisfy(\.isFinite))
            }
        }
        var nothing: [Float] = []
        PAMR().refine(&nothing, channels: 0, image: [], imageChannels: 3, width: 0, height: 0)
    }

    func testRefinerMovesTheGridEdgeToTheColourEdge() throws {
        // 96×48, dark left of x = 40 and bright right of it; the 4×2 grid puts its edge at x = 48.
        var image = RGBImage(width: 96, height: 48)
        for y in 0..<48 {
            for x in 40..<96 {
                let i = 3 * (y * 96 + x)
                image.pixels[i] = 230
                image.pixels[i + 1] = 220
                image.pixels[i + 2] = 200
            }
        }
        let grid = DescriptorGrid(rows: 2, cols: 4, values: [3, 3, 7, 7, 3, 3, 7, 7])
        let refiner = PAMRRefiner()
        XCTAssertEqual(refiner.name, "pamr")
        let map = try refiner.refine(RefinementInput(grid: grid, image: image))
        XCTAssertEqual(map.width, 96)
        XCTAssertEqual(map.height, 48)
        // NACLIP's pamr.py on the same one-hot planes also gives 40 columns and 56.
        for y in 0..<48 {
            XCTAssertEqual((0..<96).map { map[$0, y] }, Array(repeating: 3, count: 40) + Array(repeating: 7, count: 56))
        }

        // Scores, when given, are what is refined: class 6 on the right half wins there.
        let scores: [Int: [Float]] = [2: [0.9, 0.9, 0.2, 0.2, 0.9, 0.9, 0.2, 0.2], 6: [0.1, 0.1, 0.8, 0.8, 0.1, 0.1, 0.8, 0.8]]
        let scored = try refiner.refine(RefinementInput(grid: DescriptorGrid(rows: 2, cols: 4, fill: 2), scores: scores, image: image))
        XCTAssertEqual(Set(scored.values), [2, 6])
        XCTAssertEqual(scored[0, 0], 2)
        XCTAssertEqual(scored[95, 47], 6)
    }
}
