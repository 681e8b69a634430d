import Foundation
import Text4SegEngines
import Text4SegTestSupport
import XCTest

@testable import Text4SegCore

final class WatershedTests: XCTestCase {
    func testDistanceTransformMatchesBruteForce() {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<20 {
            let (w, h) = (Int.random(in: 1...17, using: &generator), Int.random(in: 1...13, using: &generator))
            let sites = (0..<(w * h)).map { _ in Int.random(in: 0..<10, using: &generator) == 0 }
            let (sx, sy): (Float, Float) = trial % 2 == 0 ? (1, 1) : (0.25, 0.7)
            let fast = DistanceTransform.squared(width: w, height: h, isSite: sites, spacingX: sx, spacingY: sy)
            for y in 0..<h {
                for x in 0..<w {
                    var best = Float.infinity
                    for j in 0..<h {
                        for i in 0..<w where sites[j * w + i] {
                            let dx = Float(x - i) * sx, dy = Float(y - j) * sy
                            best = min(best, dx * dx + dy * dy)
                        }
                    }
                    if best.isInfinite {
                        XCTAssertTrue(fast[y * w + x].isInfinite)
                    } else {
                        XCTAssertEqual(fast[y * w + x], best, accuracy: 1e-4, "\(w)×\(h) at (\(x), \(y))")
                    }
                }
            }
        }
    }

    func testDistanceTransformByHand() {
        // One site at the left end of a 5×1 row; spacing 0.5 halves the distances.
        let d = DistanceTransform.squared(width: 5, height: 1, isSite: [true, false, false, false, false], spacingX: 0.5)
        XCTAssertEqual(d, [0, 0.25, 1, 2.25, 4])
    }

    func testLabOfKnownColors() {
        // Reference values: the CIE formulas with D65 (scikit-image's rgb2lab gives the same).
        let image = RGBImage(width: 3, height: 1, pixels: [255, 255, 255, 255, 0, 0, 0, 0, 0])
        let lab = EdgeStrength.lab(image)
        XCTAssertEqual(lab[0][0], 100, accuracy: 0.01)
        XCTAssertEqual(lab[1][0], 0, accuracy: 0.01)
        XCTAssertEqual(lab[2][0], 0, accuracy: 0.01)
        XCTAssertEqual(lab[0][1], 53.24, accuracy: 0.01)
        XCTAssertEqual(lab[1][1], 80.09, accuracy: 0.01)
        XCTAssertEqual(lab[2][1], 67.20, accuracy: 0.01)
        XCTAssertEqual(lab[0][2], 0, accuracy: 0.01)
        XCTAssertEqual(EdgeStrength.lab(image, lightnessWeight: 0.5)[0][0], 50, accuracy: 0.01)
    }

    func testSobelMagnitudeOfAStepByHand() {
        // A vertical 0 → 1 step between x = 1 and x = 2: Gx = 4 on both sides, Gy = 0,
        // so sqrt(16 / 32) = 0.7071 there and 0 away from it.
        let plane: [Float] = [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]
        let g = EdgeStrength.gradient([plane], width: 4, height: 3)
        for y in 0..<3 {
            XCTAssertEqual(g[y * 4 + 0], 0, accuracy: 1e-6)
            XCTAssertEqual(g[y * 4 + 1], 0.70711, accuracy: 1e-4)
            XCTAssertEqual(g[y * 4 + 2], 0.70711, accuracy: 1e-4)
            XCTAssertEqual(g[y * 4 + 3], 0, accuracy: 1e-6)
        }
    }

    func testGaussianKeepsConstantsAndMass() {
        let flat = EdgeStrength.gaussian([Float](repeating: 3, count: 35), width: 7, height: 5, sigma: 1.5)
        XCTAssertTrue(flat.allSatisfy { abs($0 - 3) < 1e-5 })
        var impulse = [Float](repeating: 0, count: 41 * 41)
        impulse[20 * 41 + 20] = 1
        let blurred = EdgeStrength.gaussian(impulse, width: 41, height: 41, sigma: 2)
        XCTAssertEqual(blurred.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(blurred[20 * 41 + 21], blurred[21 * 41 + 20], accuracy: 1e-7, "isotropic")
    }

    func testHeapPopsInPriorityThenAgeOrder() {
        var heap = FloodHeap()
        var generator = SystemRandomNumberGenerator()
        var pushed: [(Float, UInt32)] = []
        for age in 0..<500 {
            let priority = Float(Int.random(in: 0..<40, using: &generator))
            heap.push(.init(priority: priority, age: UInt32(age), index: 0, source: 0))
            pushed.append((priority, UInt32(age)))
        }
        var popped: [(Float, UInt32)] = []
        while let e = heap.pop() { popped.append((e.priority, e.age)) }
        let expected = pushed.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        XCTAssertEqual(popped.map(\.0), expected.map(\.0))
        XCTAssertEqual(popped.map(\.1), expected.map(\.1))
    }

    func testFloodStopsAtTheStrongestEdge() {
        // One row, marks at both ends, an edge at x = 6: everything left of it is the left label.
        var labels: [Int32] = [1, -1, -1, -1, -1, -1, -1, -1, -1, 2]
        var edges = [Float](repeating: 0.1, count: 10)
        edges[6] = 5
        MarkerFlooding.flood(labels: &labels, edges: edges, color: [], width: 10, colorWeight: 0)
        XCTAssertEqual(labels, [1, 1, 1, 1, 1, 1, 2, 2, 2, 2])
    }

    /// A 96×48 image, dark left of x = 40 and bright right of it, with a 4×2 grid whose
    /// boundary (at x = 48) is 8 pixels off the color edge.
    func misplacedEdge(first: UInt16 = 3, second: UInt16 = 7) -> RefinementInput {
        var image = RGBImage(width: 96, height: 48, fill: RGBColor(40, 50, 60))
        for y in 0..<48 {
            for x in 40..<96 {
                let i = 3 * (y * 96 + x)
                (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2]) = (230, 220, 200)
            }
        }
        return RefinementInput(
            grid: DescriptorGrid(rows: 2, cols: 4, values: [first, first, second, second, first, first, second, second]), image: image)
    }

    func testWatershedSnapsTheBoundaryToTheColorEdge() throws {
        let map = try WatershedRefiner().refine(misplacedEdge().with(viewSize: 96, others: nil))
        for y in 0..<48 {
            for x in 0..<96 { XCTAssertEqual(map[x, y], x < 40 ? 3 : 7, "(\(x), \(y))") }
        }
    }

    func testWatershedKeepsLabelsFarFromChanges() throws {
        // A flat image gives the flood nothing to go on, but pixels outside the band
        // keep the grid's labels and the split stays between the two sample points.
        let input = RefinementInput(grid: DescriptorGrid(rows: 1, cols: 2, values: [5, 6]), image: RGBImage(width: 40, height: 10))
        let map = try WatershedRefiner(margin: 0.3).refine(input.with(viewSize: 40, others: nil))
        for y in 0..<10 {
            for x in 0...13 { XCTAssertEqual(map[x, y], 5) }
            for x in 27..<40 { XCTAssertEqual(map[x, y], 6) }
        }
    }

    func testOthersCellsInsideAnObjectAreReDecidedByTheImage() throws {
        // A uniform object fills the image, but one cell says others (an outline sample,
        // as void pixels become others in Text4Seg's targets). The wide others margin
        // leaves only its sample point marked; with the class margin it would stay a block.
        var grid = DescriptorGrid(rows: 5, cols: 5, fill: 8)
        grid[2, 2] = 0
        let input = RefinementInput(grid: grid, image: RGBImage(width: 50, height: 50, fill: RGBColor(120, 90, 60)))
        let othersAware = try WatershedRefiner().refine(input.with(viewSize: 50, others: 0))
        let blind = try WatershedRefiner().refine(input.with(viewSize: 50, others: nil))
        let count = { (map: LabelMap) in map.values.filter { $0 == 0 }.count }
        XCTAssertLessThan(count(othersAware), count(blind))
        XCTAssertLessThan(count(othersAware), 100, "nearest gives the whole 10×10 cell")
    }

    func testWatershedHandlesSixteenBitLabelsAndOneClass() throws {
        let map = try WatershedRefiner().refine(misplacedEdge(first: 300, second: 1000).with(viewSize: 96, others: nil))
        XCTAssertEqual(Set(map.values), [300, 1000])
        let single = RefinementInput(grid: DescriptorGrid(rows: 3, cols: 3, fill: 170), image: RGBImage(width: 7, height: 5))
        XCTAssertEqual(try WatershedRefiner().refine(single), LabelMap(width: 7, height: 5, fill: 170))
        // A grid finer than the image: several sample points share pixels.
        let tiny = RefinementInput(
            grid: DescriptorGrid(rows: 4, cols: 4, values: (0..<16).map { UInt16($0 % 3) }), image: RGBImage(width: 2, height: 3))
        XCTAssertEqual(try WatershedRefiner().refine(tiny).values.count, 6)
    }

    /// The refiner on the three sample images: it must beat the reference upsampling.
    func testWatershedBeatsNearestOnTheSamples() async throws {
        let voc = try Vocabulary.load("pascal-voc")
        func miou(_ refiner: any Refiner) async throws -> Double {
            let runner = EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc, refiner: refiner))
            return try await runner.run(try Dataset.items(at: TestPaths.samples)).matrix.metrics().meanIoU * 100
        }
        let nearest = try await miou(NearestRefiner())
        let watershed = try await miou(WatershedRefiner())
        XCTAssertGreaterThan(watershed, nearest + 2, "nearest \(nearest), watershed \(watershed)")
    }
}
