import Foundation
import Text4SegCore
import Text4SegModels
import Text4SegTestSupport
import XCTest

/// The EfficientNet-Lite0 port against an independent numpy forward pass
/// (scripts/efficientnet_reference.py) on a VOC sample image at two sizes.
final class EfficientNetTests: XCTestCase {
    struct Reference: Decodable {
        var image: [Float]
        var rows: Int
        var cols: Int
        var cells20: [Float]
    }

    func testLogitsMatchTheReferenceAtTwoSizes() throws {
        try Prerequisite.models.require()
        let store = ModelStore()
        let references = try JSONDecoder().decode(
            [String: Reference].self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/efficientnet-reference.json")))
        let net = try EfficientNetLite(store: store)
        XCTAssertEqual(net.classCount, 1000)
        for (file, reference) in references {
            let image = try ImageIO.readImage(TestPaths.fixtures + "/" + file)
            let output = net.run(image)
            XCTAssertEqual(output.rows, reference.rows, file)
            XCTAssertEqual(output.cols, reference.cols, file)
            XCTAssertLessThan(relativeError(output.imageLogits, reference.image), 1e-4, file)
            let cells = output.rows * output.cols
            XCTAssertLessThan(relativeError(Array(output.cellLogits.prefix(20 * cells)), reference.cells20), 1e-4, file)
            XCTAssertEqual(
                output.imageLogits.indices.max { output.imageLogits[$0] < output.imageLogits[$1] },
                reference.image.indices.max { reference.image[$0] < reference.image[$1] }, file)
        }
    }
}

/// Both ports against the PyTorch packages themselves (efficientnet-lite-pytorch, sentence-transformers),
/// fixtures from scripts/torch_reference.py.
final class TorchParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Logits: Decodable { var image: [Float]; var rows: Int; var cols: Int; var cells20: [Float] }
        struct Sentence: Decodable { var text: String; var embedding: [Float] }
        var efficientnet: [String: Logits]
        var minilm: [Sentence]
    }

    func testEfficientNetAndMiniLMMatchPyTorch() throws {
        try Prerequisite.models.require()
        let store = ModelStore()
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/torch-reference.json")))
        let net = try EfficientNetLite(store: store)
        XCTAssertEqual(fixture.efficientnet.count, 2)
        for (file, reference) in fixture.efficientnet {
            let output = net.run(try ImageIO.readImage(TestPaths.fixtures + "/" + file))
            XCTAssertEqual([output.rows, output.cols], [reference.rows, reference.cols], file)
            XCTAssertLessThan(relativeError(output.imageLogits, reference.image), 1e-4, file)
            XCTAssertLessThan(relativeError(Array(output.cellLogits.prefix(20 * output.rows * output.cols)), reference.cells20), 1e-4, file)
        }
        let encoder = try SentenceEncoder(store: store)
        XCTAssertEqual(fixture.minilm.count, 10)
        for sentence in fixture.minilm {
            XCTAssertLessThan(relativeError(encoder.embed(sentence.text), sentence.embedding), 1e-4, sentence.text)
        }
    }
}
