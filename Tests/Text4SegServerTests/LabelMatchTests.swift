import Text4SegCore
import XCTest

@testable import Text4SegServer

/// A project's labels are matched to the vocabulary by name, never guessed; what matches
/// nothing is reported.
final class LabelMatchTests: XCTestCase {
    func testExactThenLooseNamesAndTheRestReported() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let (byID, unknown) = LabelStudioBackend.match(["person", "Potted_Plant", "tvmonitor", "unicorn", "persons"], vocabulary: voc)
        XCTAssertEqual(byID[15], "person")
        XCTAssertEqual(byID[16], "Potted_Plant")
        XCTAssertEqual(byID[20], "tvmonitor")
        XCTAssertEqual(unknown, ["unicorn", "persons"])
        XCTAssertEqual(byID.count, 3)
    }

    func testTheDocumentServedListsThisServersChoices() throws {
        let template =
            #"{"paths": {"/v1/segment": {"post": {"parameters": [{"name": "vocab", "in": "query", "schema": {"type": "string"}}]}}}, "#
            + #""components": {"schemas": {"SegmentForm": {"properties": {"vocab": {"type": "string"}}}}}}"#
        let text = OpenAPIDocument.filled(template, vocabularies: ["pascal-voc", "mine"], refiners: ["nearest"])
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let parameter = (((document["paths"] as? [String: Any])?["/v1/segment"] as? [String: Any])?["post"] as? [String: Any])?[
            "parameters"]
        let schema = ((parameter as? [[String: Any]])?.first?["schema"] as? [String: Any])
        XCTAssertEqual(schema?["enum"] as? [String], ["pascal-voc", "mine"])
        let form = (((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?["SegmentForm"] as? [String: Any])
        let properties = form?["properties"] as? [String: Any]
        XCTAssertEqual((properties?["refine"] as? [String: Any])?["enum"] as? [String], ["nearest"])
        XCTAssertEqual((properties?["vocab"] as? [String: Any])?["enum"] as? [String], ["pascal-voc", "mine"])
    }

    func testMultipartFieldsAndBoundaries() throws {
        XCTAssertEqual(Multipart.boundary(of: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(Multipart.boundary(of: #"Multipart/Form-Data; charset=utf-8; boundary="a b""#), "a b")
        XCTAssertNil(Multipart.boundary(of: "image/png"))
        XCTAssertNil(Multipart.boundary(of: "multipart/form-data"))
        let body =
            "--XX\r\nContent-Disposition: form-data; name=\"classes\"\r\n\r\nperson, dog\r\n"
            + "--XX\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{1}\u{2}\r\n"
            + "--XX\r\nContent-Disposition: form-data; name=\"classes\"\r\n\r\nsecond\r\n--XX--\r\n"
        let fields = try Multipart.fields(.init(string: body), boundary: "XX")
        XCTAssertEqual(fields["classes"].map { String(decoding: $0, as: UTF8.self) }, "person, dog")
        XCTAssertEqual(fields["image"], Data([1, 2]))
        // Another boundary, or a part cut short, gives no field (the request then lacks its image: 400).
        XCTAssertEqual(try Multipart.fields(.init(string: "--YY\r\ngarbage"), boundary: "XX"), [:])
        let cut = "--XX\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n\u{1}\u{2}\u{3}"
        XCTAssertNil(try Multipart.fields(.init(string: cut), boundary: "XX")["image"])
    }
}
