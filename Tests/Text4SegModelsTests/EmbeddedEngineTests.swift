import Foundation
import Text4SegCore
import Text4SegModels
import Text4SegTestSupport
import XCTest

final class EmbeddedEngineTests: XCTestCase {
    func engine() throws -> EmbeddedEngine {
        try Prerequisite.models.require()
        let store = ModelStore()
        return try EmbeddedEngine(store: store)
    }

    func testImageNetTextsAreLemmasAndDefinitionsInClassifierOrder() throws {
        try Prerequisite.models.require()
        let texts = try ImageNetLabels.texts(store: ModelStore())
        XCTAssertEqual(texts.count, 1000)
        XCTAssertEqual(
            texts[0],
            "tench, Tinca tinca: freshwater dace-like game fish of Europe and western Asia noted for ability to survive outside water")
    }

    func testAnyVocabularyGetsAGridAndScoreMaps() async throws {
        let engine = try engine()
        let yaml = """
            name: tiny
            ignore: 65535
            others: 0
            classes:
              - {id: 0, name: background, prompt: others}
              - {id: 1, name: aeroplane, synonyms: [airliner, airplane]}
              - {id: 2, name: cat}
              - {id: 300, name: lighthouse}
            """
        let (parsed, issues) = VocabularyLoader.parse(yaml, file: "tiny.yaml")
        let vocabulary = try XCTUnwrap(parsed, "\(issues)")
        let image = try ImageIO.readImage(TestPaths.samples + "/images/2007_000033.jpg")
        let prompt = PromptBuilder(vocabulary: vocabulary, grid: 16).build()
        let output = try await engine.describe(DescriptorRequest(itemID: "x", image: image, prompt: prompt, vocabulary: vocabulary))
        let grid = try XCTUnwrap(output.grid)
        XCTAssertEqual(grid.rows, 16)
        XCTAssertTrue(Set(grid.values).isSubset(of: [0, 1, 2, 300]))
        XCTAssertTrue(grid.values.contains(1), "the airliner is found")
        let scores = try XCTUnwrap(output.scores)
        XCTAssertNotNil(scores[0], "others has a score map")
        XCTAssertTrue(scores.values.allSatisfy { $0.count == 256 })
        // The score maps drive the refiners too.
        let map = try DenseCRFRefiner().refine(RefinementInput(grid: grid, scores: scores, image: image))
        XCTAssertEqual(map.width, image.width)
        XCTAssertTrue(Set(map.values).isSubset(of: [0, 1, 2, 300]))
    }
}
