import Text4SegServer
import XCTest

/// What the ML backend reads from a project's labeling config, and what it refuses.
final class LabelingConfigTests: XCTestCase {
    func testABrushControlItsImageAndItsLabels() throws {
        let config = try LabelingConfig(
            xml: """
                <View>
                  <Header value="Paint"/>
                  <Image name="photo" value="$img" zoom="true"/>
                  <Choices name="ok" toName="photo"><Choice value="yes"/></Choices>
                  <BrushLabels name="tag" toName="photo">
                    <Label value="person" background="red"/>
                    <Label value="potted plant"/>
                  </BrushLabels>
                </View>
                """)
        XCTAssertEqual(config.fromName, "tag")
        XCTAssertEqual(config.toName, "photo")
        XCTAssertEqual(config.dataKey, "img")
        XCTAssertEqual(config.labels, ["person", "potted plant"])
        XCTAssertFalse(config.polygons)
    }

    func testPolygonsWhenThatIsTheControlAndBrushFirstWhenBothAre() throws {
        let polygons = try LabelingConfig(
            xml: #"<View><Image name="i" value="$image"/><PolygonLabels name="p" toName="i"><Label value="car"/></PolygonLabels></View>"#)
        XCTAssertTrue(polygons.polygons)
        XCTAssertEqual(polygons.fromName, "p")
        let both = try LabelingConfig(
            xml: #"<View><Image name="i" value="$image"/><PolygonLabels name="p" toName="i"><Label value="car"/></PolygonLabels>"#
                + #"<BrushLabels name="b" toName="i"><Label value="dog"/></BrushLabels></View>"#)
        XCTAssertEqual(both.fromName, "b")
        XCTAssertEqual(both.labels, ["dog"])
    }

    func testWhatCannotBePredictedForIsRefusedWithAReason() {
        let cases = [
            "not xml <": "not XML",
            #"<View><Image name="i" value="$image"/><RectangleLabels name="r" toName="i"/></View>"#: "no BrushLabels or PolygonLabels",
            #"<View><Text name="t" value="$text"/><BrushLabels name="b" toName="t"/></View>"#: "not an Image",
            #"<View><Image name="i" value="https://x/a.jpg"/><BrushLabels name="b" toName="i"/></View>"#: "not from a task field",
        ]
        for (xml, reason) in cases {
            XCTAssertThrowsError(try LabelingConfig(xml: xml), xml) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(error)")
                XCTAssertEqual((error as? ServeError)?.status.code, 400)
            }
        }
    }

    func testADocumentTypeDeclarationIsRefusedAndXMLsOwnEntitiesAreRead() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE v [<!ENTITY e SYSTEM "file:///etc/passwd">]>
            <View><Image name="i" value="$image"/><BrushLabels name="b" toName="i"><Label value="&e;"/></BrushLabels></View>
            """
        XCTAssertThrowsError(try LabelingConfig(xml: xml)) { XCTAssertTrue("\($0)".contains("document type declaration"), "\($0)") }
        let config = try LabelingConfig(
            xml: #"<View><!-- c --><Image name="i" value='$image'/><BrushLabels name="b" toName="i">"#
                + #"<Label value="sky &amp; sea &#233;"/></BrushLabels></View>"#)
        XCTAssertEqual(config.labels, ["sky & sea é"])
        for broken in ["<View>", "<View></Other></View>", #"<View a="1></View>"#, #"<Label value="&e;"/>"#, "</View>"] {
            XCTAssertThrowsError(try LabelingConfig(xml: broken), broken)
        }
    }
}
