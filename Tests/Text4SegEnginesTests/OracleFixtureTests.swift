import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegTestSupport
import XCTest

/// Compares against fixtures made by scripts/bench_oracle_eval.py, an
/// independent numpy + Pillow implementation of the same computation.
final class OracleFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        var descriptors: [String: String]
        var mIoU: [String: Double]
    }

    func loadFixture() throws -> Fixture {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/oracle-voc-dev.json"))
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    func testRRLEMatchesTheIndependentImplementationByteForByte() throws {
        let root = try TestPaths.requireVOCDev()
        let fixture = try loadFixture()
        let voc = try Vocabulary.load("pascal-voc")
        XCTAssertEqual(fixture.descriptors.count, 36)
        for (key, expected) in fixture.descriptors {
            let parts = key.split(separator: "@")
            let id = String(parts[0]), g = Int(parts[1])!
            let map = try ImageIO.readLabelMap("\(root)/labels/\(id).png")
            let grid = map.downsample(rows: g, cols: g, rule: .nearest, ignoreValue: 255, othersValue: 0)
            XCTAssertEqual(DescriptorEncoder.answer(DescriptorEncoder.encode(grid, vocabulary: voc)), expected, key)
        }
    }

    func testOracleMIoUMatchesNumpyAtEveryGridSize() async throws {
        let root = try TestPaths.requireVOCDev()
        let fixture = try loadFixture()
        let voc = try Vocabulary.load("pascal-voc")
        let items = try Dataset.items(at: root)
        XCTAssertEqual(items.count, 290)
        for g in [16, 24, 32] {
            let prompt = PromptBuilder(vocabulary: voc, grid: g).build()
            let runner = EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc, prompt: prompt))
            let outcome = try await runner.run(items)
            XCTAssertEqual(outcome.failed, [])
            XCTAssertEqual(outcome.evaluated, 290)
            let miou = outcome.matrix.metrics(.mmseg).meanIoU * 100
            XCTAssertEqual(miou, fixture.mIoU[String(g)]!, accuracy: 1e-4, "grid \(g)")
        }
    }

    func testMajorityRuleIsAvailableAndNoWorseThanNearestHere() async throws {
        let voc = try Vocabulary.load("pascal-voc")
        let items = try Dataset.items(at: TestPaths.samples)
        var scores: [GridSampling: Double] = [:]
        for rule in GridSampling.allCases {
            let runner = EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(sampling: rule), vocabulary: voc))
            let outcome = try await runner.run(items)
            XCTAssertEqual(outcome.evaluated, 3)
            scores[rule] = outcome.matrix.metrics().meanIoU
        }
        XCTAssertGreaterThan(scores[.nearest]!, 0.7)
        XCTAssertGreaterThan(scores[.majority]!, 0.7)
        XCTAssertNotEqual(scores[.nearest], scores[.majority])
    }
}
