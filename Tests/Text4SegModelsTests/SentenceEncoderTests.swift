import Foundation
import Text4SegModels
import Text4SegTestSupport
import XCTest

/// The MiniLM port against Hugging Face `tokenizers` (token ids) and an independent
/// numpy forward pass (embeddings), fixtures from scripts/minilm_reference.py.
final class SentenceEncoderTests: XCTestCase {
    struct Case: Decodable {
        var text: String
        var ids: [Int32]
        var embedding: [Float]
    }

    func testTokenIdsAndEmbeddingsMatchTheReferences() throws {
        try Prerequisite.models.require()
        let store = ModelStore()
        let cases = try JSONDecoder().decode(
            [Case].self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/minilm-reference.json")))
        XCTAssertEqual(cases.count, 10)
        let encoder = try SentenceEncoder(store: store)
        for item in cases {
            XCTAssertEqual(encoder.tokenizer.encode(item.text), item.ids, item.text)
            let embedding = encoder.embed(item.text)
            XCTAssertEqual(embedding.count, 384)
            XCTAssertLessThan(relativeError(embedding, item.embedding), 1e-4, "relative error for '\(item.text)'")
        }
    }

    func testSimilarNamesAreCloserThanUnrelatedOnes() throws {
        try Prerequisite.models.require()
        let store = ModelStore()
        let encoder = try SentenceEncoder(store: store)
        func cosine(_ a: String, _ b: String) -> Float { zip(encoder.embed(a), encoder.embed(b)).reduce(0) { $0 + $1.0 * $1.1 } }
        XCTAssertGreaterThan(cosine("sofa", "couch"), cosine("sofa", "aeroplane"))
        XCTAssertGreaterThan(cosine("TV", "television, television system"), cosine("TV", "tabby cat"))
    }
}
