import Text4SegCore
import XCTest

final class PromptBuilderTests: XCTestCase {
    func testConditionQuestionForVOCIsTextSegsWording() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let prompt = PromptBuilder(vocabulary: voc).build(.condition)
        XCTAssertEqual(
            prompt.question,
            "Please segment the image based on the category: "
                + "others|aeroplane|bicycle|bird|ship|bottle|bus|car|cat|chair|cow|table|dog|horse|motorbike|person|potted "
                + "plant|sheep|sofa|train|TV."
        )
        XCTAssertEqual(prompt.viewSize, 336)
        XCTAssertEqual(prompt.grid, 24)
    }

    func testWholeImageAndReferringPrompts() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let builder = PromptBuilder(vocabulary: voc)
        XCTAssertEqual(builder.build(.all).question, "Segment the entire image and classify each category separately.")
        XCTAssertEqual(builder.build(.partial("the dog on the left")).question, "Please segment only the the dog on the left in the image.")
    }

    func testSeededTemplatesAreDeterministicAndVary() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let first = PromptBuilder(vocabulary: voc, templateSeed: 7).build(.all).question
        XCTAssertEqual(PromptBuilder(vocabulary: voc, templateSeed: 7).build(.all).question, first)
        let drawn = Set((0..<40).map { PromptBuilder(vocabulary: voc, templateSeed: UInt64($0)).build(.all).question })
        XCTAssertGreaterThan(drawn.count, 5)
        XCTAssertTrue(drawn.isSubset(of: Set(PromptTemplates.questionAll)))
    }

    func testRawConversationsAndChatMessages() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let prompt = PromptBuilder(vocabulary: voc).build(.all)
        XCTAssertEqual(
            prompt.conversation(.vicunaV1),
            "A chat between a curious user and an artificial intelligence assistant. You are able to understand the visual content "
                + "that the user provides, The assistant gives helpful, detailed, and polite answers to the user's questions. USER: "
                + "<image>\nSegment the entire image and classify each category separately. ASSISTANT:"
        )
        XCTAssertTrue(prompt.conversation(.llavaV1).hasPrefix("A chat between a curious human and an artificial intelligence assistant."))
        let json = try prompt.chatMessagesJSON(imageURL: "data:image/png;base64,AAAA")
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
        XCTAssertEqual(parsed.count, 1)
        XCTAssertEqual(parsed[0]["role"] as? String, "user")
        let content = parsed[0]["content"] as! [[String: Any]]
        XCTAssertEqual(content[0]["text"] as? String, prompt.question)
        XCTAssertEqual((content[1]["image_url"] as? [String: String])?["url"], "data:image/png;base64,AAAA")
    }
}
