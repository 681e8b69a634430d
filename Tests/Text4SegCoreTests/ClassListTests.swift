import Foundation
import Text4SegCore
import XCTest

/// A vocabulary from class names alone: `--classes`, `classes: [a, b]` in YAML, and `vocab init`.
final class ClassListTests: XCTestCase {
    func parse(_ yaml: String) -> (Vocabulary?, [VocabularyIssue]) { VocabularyLoader.parse(yaml, file: "v.yaml") }

    func testAPlainListGivesIdsOneToNAndOthersZero() throws {
        let vocabulary = try XCTUnwrap(parse("name: pets\nclasses: [person, dog, sky]\n").0)
        XCTAssertEqual(vocabulary.classes.map(\.id), [0, 1, 2, 3])
        XCTAssertEqual(vocabulary.classes.map(\.name), ["background", "person", "dog", "sky"])
        XCTAssertEqual(vocabulary.promptNames, ["others", "person", "dog", "sky"])
        XCTAssertEqual(vocabulary.othersID, 0)
        XCTAssertEqual(vocabulary.ignoreValue, 255)
        // The PASCAL color map: neighbors differ in hue (dark red, dark green, olive).
        XCTAssertEqual(vocabulary.classes.map(\.color.description), ["#000000", "#800000", "#008000", "#808000"])
        let ignored = try XCTUnwrap(parse("others: ignore\nclasses:\n  - person\n  - dog\n").0)
        XCTAssertEqual(ignored.classes.map(\.id), [1, 2])
        XCTAssertNil(ignored.othersID)
        XCTAssertEqual(ignored.othersValue, 255)
    }

    func testBadListsSayWhatACorrectFileLooksLike() {
        let cases: [(String, String)] = [
            ("classes: [person, {id: 2, name: dog}]\n", "mixes names and mappings"),
            ("classes: [person, person]\n", "duplicate name 'person'"),
            ("classes: [background, dog]\n", "write `others: ignore`"),
            ("classes: [a|b]\n", "reserves"),
            ("others: 3\nclasses: [a]\n", "0 (the default) or `ignore`"),
            ("classes: []\n", "either a list of names"),
            ("classes:\n  - name: dog\n", "list names only"),
        ]
        for (yaml, expected) in cases {
            let (vocabulary, issues) = parse(yaml)
            XCTAssertNil(vocabulary, yaml)
            XCTAssertTrue(issues.contains { $0.severity == .error && $0.message.contains(expected) }, "\(yaml): \(issues)")
        }
        let many = "classes: [" + (1...255).map { "c\($0)" }.joined(separator: ", ") + "]\n"
        XCTAssertTrue(parse(many).1.contains { $0.message.contains("do not fit") })
        XCTAssertEqual(parse("classes: [" + (1...254).map { "c\($0)" }.joined(separator: ", ") + "]\n").0?.classes.last?.id, 254)
    }

    func testTheFlagsTextSplitsAtCommasAndRefusesEmptyNames() throws {
        XCTAssertEqual(try Vocabulary.classNames(["person, dog ,sky", "grass"]), ["person", "dog", "sky", "grass"])
        XCTAssertThrowsError(try Vocabulary.classNames(["person,,dog"])) { XCTAssertTrue("\($0)".contains("entry 2"), "\($0)") }
        XCTAssertThrowsError(try Vocabulary.classNames([" "]))
        XCTAssertThrowsError(try Vocabulary.classNames([]))
    }

    /// The source a report records loads back to the same vocabulary, and so does `vocab init`'s file,
    /// names with quotes, colons, slashes and non-ASCII letters included.
    func testTheSourceAndTheInitFileLoadBackToTheSameVocabulary() throws {
        let names = ["person", "traffic light", "say \"cheese\"", "a: b", "c/d #1", "Straßenbahn", "[x]"]
        for others in Vocabulary.ListOthers.allCases {
            let source = Vocabulary.classListSource(names, others: others)
            XCTAssertFalse(source.contains("\n"), source)
            let inline = try Vocabulary.load(source)
            XCTAssertEqual(inline.classes.filter { $0.id > 0 }.map(\.name), names)
            let path = NSTemporaryDirectory() + "class-list-\(UUID().uuidString).yaml"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Vocabulary.classListYAML(names, others: others).write(toFile: path, atomically: true, encoding: .utf8)
            let file = try Vocabulary.load(path)
            XCTAssertEqual(file.classes, inline.classes)
            XCTAssertEqual(file.othersID, inline.othersID)
            XCTAssertEqual(file.contentHash, inline.contentHash)
        }
        XCTAssertEqual(
            Vocabulary.classListSource(["person", "dog"]), #"{name: custom, others: 0, classes: ["person", "dog"]}"#)
    }
}
