import Foundation
import Text4SegEngines
import Text4SegTestSupport
import XCTest

@testable import Text4SegCore

final class RefinerTests: XCTestCase {
    /// A 96×48 image, dark left of x = 40 and bright right of it, with a 4×2 grid whose
    /// boundary (at x = 48) is 8 pixels off the color edge.
    func misplacedEdge(first: UInt16 = 3, second: UInt16 = 7) -> RefinementInput {
        var image = RGBImage(width: 96, height: 48)
        for y in 0..<48 {
            for x in 40..<96 {
                let i = 3 * (y * 96 + x)
                image.pixels[i] = 230
                image.pixels[i + 1] = 220
                image.pixels[i + 2] = 200
            }
        }
        let grid = DescriptorGrid(rows: 2, cols: 4, values: [first, first, second, second, first, first, second, second])
        return RefinementInput(grid: grid, image: image)
    }

    func columnsWith(_ label: UInt16, _ map: LabelMap) -> Int {
        (0..<map.width).filter { x in (0..<map.height).allSatisfy { map[x, $0] == label } }.count
    }

    func testNearestPutsTheEdgeWhereTheGridHasIt() throws {
        let map = try NearestRefiner().refine(misplacedEdge().with(viewSize: 96))
        XCTAssertEqual(columnsWith(3, map), 48)
    }

    func testGuidedFilterMovesTheEdgeTowardsTheColorEdge() throws {
        // The filter is locally linear in the guide, so it pulls the edge over rather than snapping it.
        let map = try GuidedFilterRefiner(radius: 12, epsilon: 0.001).refine(misplacedEdge())
        XCTAssertTrue((40..<46).contains(columnsWith(3, map)), "\(columnsWith(3, map))")
        XCTAssertEqual(columnsWith(3, map) + columnsWith(7, map), 96, "a straight vertical edge")
    }

    func testDenseCRFMovesTheEdgeToTheColorEdge() throws {
        let map = try DenseCRFRefiner(bilateralSXY: 20, bilateralSRGB: 10).refine(misplacedEdge())
        XCTAssertEqual(columnsWith(3, map), 40)
        XCTAssertEqual(columnsWith(7, map), 56)
    }

    func testSixteenBitLabelsAndSingleClassesPassThrough() throws {
        let input = misplacedEdge(first: 300, second: 1000)
        for refiner in [
            GuidedFilterRefiner(radius: 12, epsilon: 0.001) as any Refiner, DenseCRFRefiner(bilateralSXY: 20, bilateralSRGB: 10),
            ModeFilterRefiner(), BilinearRefiner(),
        ] {
            let map = try refiner.refine(input)
            XCTAssertEqual(Set(map.values), [300, 1000], refiner.name)
        }
        let single = RefinementInput(grid: DescriptorGrid(rows: 3, cols: 3, fill: 170), image: RGBImage(width: 7, height: 5))
        for refiner in [GuidedFilterRefiner() as any Refiner, DenseCRFRefiner(), ModeFilterRefiner(), BilinearRefiner()] {
            XCTAssertEqual(try refiner.refine(single), LabelMap(width: 7, height: 5, fill: 170), refiner.name)
        }
    }

    func testModeFilterRemovesAnIsolatedCell() throws {
        var grid = DescriptorGrid(rows: 5, cols: 5, fill: 1)
        grid[2, 2] = 9
        let map = try ModeFilterRefiner(radius: 10).refine(
            RefinementInput(grid: grid, image: RGBImage(width: 50, height: 50), viewSize: 50))
        XCTAssertEqual(Set(map.values), [1])
    }

    func testBilinearSplitsTwoCellsInTheMiddle() throws {
        let grid = DescriptorGrid(rows: 1, cols: 2, values: [4, 5])
        let map = try BilinearRefiner().refine(RefinementInput(grid: grid, image: RGBImage(width: 10, height: 1)))
        XCTAssertEqual(map.values, [4, 4, 4, 4, 4, 5, 5, 5, 5, 5])
    }

    func testScoresDriveTheRefinersWhenTheEngineGivesThem() throws {
        // The grid says class 2 everywhere, but the scores say class 6 on the right half.
        let grid = DescriptorGrid(rows: 2, cols: 2, fill: 2)
        let scores: [Int: [Float]] = [2: [0.9, 0.2, 0.9, 0.2], 6: [0.1, 0.8, 0.1, 0.8]]
        let input = RefinementInput(grid: grid, scores: scores, image: RGBImage(width: 8, height: 4))
        let map = try BilinearRefiner().refine(input)
        XCTAssertEqual(map[0, 0], 2)
        XCTAssertEqual(map[7, 0], 6)
    }

    func testLatticeHashTableAgreesWithADictionaryThroughGrowth() {
        // The table starts small and grows many times while vertices are inserted.
        var table = LatticeHashTable(keySize: 5, capacity: 4)
        var reference: [[Int16]: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var key = (0..<5).map { _ in Int16.random(in: -40...40, using: &generator) }
            let vertex = key.withUnsafeMutableBufferPointer { table.findOrInsert($0.baseAddress!) }
            if let known = reference[key] { XCTAssertEqual(vertex, known) } else { reference[key] = vertex }
            key[0] = 1000
            XCTAssertEqual(key.withUnsafeBufferPointer { table.find($0.baseAddress!) }, -1)
        }
        XCTAssertEqual(table.count, reference.count)
        table.withKeys { keys in
            for (key, vertex) in reference { XCTAssertEqual(Array(keys[(vertex * 5)..<(vertex * 5 + 5)]), key) }
        }
    }

    func testLatticeFilterKeepsConstantsAndSmoothsSteps() {
        // 40 points on a line, one unit apart in feature space: a normalized blur.
        let n = 40
        let features: [Float] = (0..<n).flatMap { [Float($0), Float(0)] }
        let lattice = PermutohedralLatticeProbe(features: features, count: n)
        let ones = lattice.normalized([Float](repeating: 1, count: n))
        XCTAssertTrue(ones.allSatisfy { abs($0 - 1) < 1e-4 }, "\(ones)")
        let step = lattice.normalized((0..<n).map { $0 < 20 ? 0 : 1 })
        for i in 1..<n { XCTAssertGreaterThanOrEqual(step[i], step[i - 1] - 1e-5) }
        XCTAssertLessThan(step[0], 0.01)
        XCTAssertGreaterThan(step[n - 1], 0.99)
        XCTAssertGreaterThan(step[20], 0.5)
        XCTAssertLessThan(step[19], 0.5)
    }

    /// The refiner against pydensecrf2 on the three sample images, same inputs and parameters.
    func testDenseCRFMatchesTheReferenceImplementation() async throws {
        struct Fixture: Decodable { var mIoU: Double }
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/densecrf-samples.json")))
        let voc = try Vocabulary.load("pascal-voc")
        let runner = EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc, refiner: DenseCRFRefiner()))
        let outcome = try await runner.run(try Dataset.items(at: TestPaths.samples))
        XCTAssertEqual(outcome.matrix.metrics().meanIoU * 100, fixture.mIoU, accuracy: 0.5)
    }
}
