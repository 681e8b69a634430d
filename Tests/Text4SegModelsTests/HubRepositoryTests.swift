import Text4SegModels
import XCTest

/// Repository ids as the Hub accepts them; everything else never becomes a URL or a folder.
final class HubRepositoryTests: XCTestCase {
    func testIdsAreCheckedAsTheHubChecksThem() {
        for id in ["openai/clip-vit-base-patch16", "laion/CLIP-ViT-B-32-laion2B-s34B-b79K", "a_b/c.d", "A/b1"] {
            XCTAssertEqual(try HubRepository(id).description, id)
        }
        for id in [
            "a/.", "./b", ".", "..", "a/..", "a/.b", "a/b.", "-a/b", "a/b-", "a/b--c", "a/b..c", "a/b/c", "a", "a/", "/b", "a/b c", "a/é",
            String(repeating: "a", count: 97) + "/b",
        ] {
            XCTAssertThrowsError(try HubRepository(id), id) { error in
                XCTAssertTrue("\(error)".contains("is not a repository id"), "\(id): \(error)")
            }
        }
        XCTAssertNoThrow(try HubRepository(String(repeating: "a", count: 96) + "/b"))
    }
}
