import Text4SegCore
import Text4SegTestSupport
import XCTest

final class VocabularyTests: XCTestCase {
    func testPascalVOCHasTextSegPromptNamesAndOfficialNames() throws {
        let voc = try Vocabulary.load("pascal-voc")
        XCTAssertEqual(voc.classes.count, 21)
        XCTAssertEqual(voc.promptNames.first, "others")
        XCTAssertEqual(voc.promptNames.count, 21)
        XCTAssertEqual(voc.class(id: 4)?.prompt, "ship")
        XCTAssertEqual(voc.class(id: 4)?.name, "boat")
        XCTAssertEqual(voc.class(id: 11)?.prompt, "table")
        XCTAssertEqual(voc.class(id: 16)?.prompt, "potted plant")
        XCTAssertEqual(voc.class(id: 20)?.prompt, "TV")
        XCTAssertEqual(voc.class(id: 20)?.name, "tvmonitor")
        XCTAssertEqual(voc.class(id: 15)?.color, RGBColor(192, 128, 128))
        XCTAssertEqual(voc.othersValue, 0)
        XCTAssertEqual(voc.ignoreValue, 255)
    }

    func testEveryBuiltInLoadsWithoutErrors() throws {
        XCTAssertEqual(BuiltinVocabularies.names, ["ade20k-150", "coco-stuff-171", "pascal-context-59", "pascal-voc"])
        let counts = ["ade20k-150": 151, "coco-stuff-171": 171, "pascal-context-59": 60, "pascal-voc": 21]
        for name in BuiltinVocabularies.names {
            let (vocabulary, issues) = VocabularyLoader.parse(BuiltinVocabularies.text(named: name)!, file: name)
            XCTAssertEqual(issues.filter { $0.severity == .error }, [], name)
            XCTAssertEqual(vocabulary?.classes.count, counts[name], name)
        }
        let coco = try Vocabulary.load("coco-stuff-171")
        XCTAssertNil(coco.othersID)
        XCTAssertEqual(coco.othersValue, 255)
        XCTAssertEqual(coco.promptNames.first, "others")
        XCTAssertEqual(coco.class(id: 0)?.prompt, "person")
        XCTAssertEqual(coco.class(id: 170)?.prompt, "wood")
        XCTAssertEqual(coco.resolve("motorbike"), 3)
    }

    /// The EmbedFiles plugin compiles every file in Vocabularies/ in, byte for byte.
    func testTheBuildEmbedsEveryVocabularyFileByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.packageRoot + "/Vocabularies")
            .filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(BuiltinVocabularies.names, files.map { String($0.dropLast(5)) }.sorted())
        for name in BuiltinVocabularies.names {
            let onDisk = try String(contentsOfFile: TestPaths.packageRoot + "/Vocabularies/\(name).yaml", encoding: .utf8)
            XCTAssertEqual(BuiltinVocabularies.text(named: name).map { $0 + "\n" }, onDisk, name)
        }
    }

    func testResolutionUsesSynonymsAndFolding() throws {
        let voc = try Vocabulary.load("pascal-voc")
        XCTAssertEqual(voc.resolve("TV"), 20)
        XCTAssertEqual(voc.resolve("tv"), 20)
        XCTAssertEqual(voc.resolve("tvmonitor"), 20)
        XCTAssertEqual(voc.resolve("Potted_Plant"), 16)
        XCTAssertEqual(voc.resolve("pottedplant"), 16)
        XCTAssertEqual(voc.resolve("airplane"), 1)
        XCTAssertEqual(voc.resolve("others"), 0)
        XCTAssertEqual(voc.resolve("background"), 0)
        XCTAssertNil(voc.resolve("giraffe"))
    }

    func testMalformedYAMLIsReportedWithLineAndColumn() {
        let text = "name: broken\nclasses:\n  - id: 0\n    name: [unclosed\n"
        let (vocabulary, issues) = VocabularyLoader.parse(text, file: "broken.yaml")
        XCTAssertNil(vocabulary)
        XCTAssertEqual(issues.count, 1)
        XCTAssertEqual(issues.first?.severity, .error)
        XCTAssertTrue(issues.first!.description.hasPrefix("broken.yaml:5:1: error: malformed YAML"), issues.first!.description)
    }

    func testCheckReportsEveryProblemWhereItIs() {
        let text = """
            name: bad
            color: red
            classes:
              - id: 0
                name: background
              - id: 0
                name: again
              - id: 300
                name: far
              - id: 2
                name: ""
              - id: 3
                name: cat
                color: [1, 2]
              - id: 4
                name: cat
                wings: 2
            """
        let (vocabulary, issues) = VocabularyLoader.parse(text, file: "bad.yaml")
        XCTAssertNil(vocabulary)
        let lines = issues.map(\.description)
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:2:1: error: unknown key 'color'") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:6:9: error: duplicate id 0 (first at line 4)") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:8:9: error: id 300 out of range") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:11:11: error: class 2 has an empty or missing `name`") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:14:12: error: bad color") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:16:11: error: duplicate name 'cat'") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("bad.yaml:17:5: error: unknown key 'wings'") }, "\(lines)")
    }

    func testUnknownNameListsTheBuiltIns() {
        XCTAssertThrowsError(try Vocabulary.load("no-such-vocabulary")) { error in
            XCTAssertTrue("\(error)".contains("pascal-voc"), "\(error)")
        }
    }

    func testPascalColorMap() {
        XCTAssertEqual(PascalColorMap.color(for: 0), RGBColor(0, 0, 0))
        XCTAssertEqual(PascalColorMap.color(for: 1), RGBColor(128, 0, 0))
        XCTAssertEqual(PascalColorMap.color(for: 20), RGBColor(0, 64, 128))
        XCTAssertEqual(PascalColorMap.color(for: 255), RGBColor(224, 224, 192))
    }
}
