import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// `--classes`: a vocabulary in one flag, with each engine, in reports and fingerprints, and
/// `vocab init`'s file as its equivalent.
final class ClassListEndToEndTests: XCTestCase {
    let image = TestPaths.voc12 + "/images/2007_000033.jpg"

    func testThePromptAsksForTheNamesInOrderAfterOthers() throws {
        let run = try CLI.run(["prompt", "--classes", "person, dog", "--classes", "sky"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "Please segment the image based on the category: others|person|dog|sky.\n")
    }

    func testTheOpenAIEngineSendsTheNames() throws {
        let folder = try CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/requests", withIntermediateDirectories: true)
        let server = try StubServer(dataset: CLI.samples, ["--record", folder + "/requests"])
        defer { server.stop() }
        let run = try CLI.run([
            "label", CLI.samples + "/images/2007_000033.jpg", "--engine", "openai", "--base-url", server.baseURL, "--classes",
            "aeroplane, person", "--out", folder + "/out",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let body = try Data(contentsOf: URL(fileURLWithPath: folder + "/requests/00001.json"))
        let request = try XCTUnwrap(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let content = try XCTUnwrap(((request["messages"] as? [[String: Any]])?.first?["content"]) as? [[String: Any]])
        XCTAssertEqual(content.first?["text"] as? String, "Please segment the image based on the category: others|aeroplane|person.")
        // The server answers aeroplane; it is label 1 of the class list.
        let map = try ImageIO.readLabelMap(folder + "/out/2007_000033.png")
        XCTAssertEqual(Set(map.valueCounts().keys), [0, 1])
    }

    /// The embedded engine and the clip engine (on the tiny random checkpoint) label with the
    /// names given, and `vocab init`'s file gives the same label map as the flag.
    func testTheOfflineEnginesLabelWithTheNamesAndTheInitFileIsEquivalent() throws {
        try Prerequisite.models.require()
        let folder = try CLI.temporaryFolder()
        let initRun = try CLI.run(["vocab", "init", "--classes", "person, sofa, chair"])
        XCTAssertEqual(initRun.status, 0, initRun.stderr)
        try initRun.stdout.write(toFile: folder + "/mine.yaml", atomically: true, encoding: .utf8)
        let engines: [[String]] = [
            ["--engine", "embedded"],
            [
                "--engine", "clip", "--model-dir", TestPaths.clipTiny, "--clip-short-side", "64", "--clip-window", "32", "--clip-stride",
                "16",
            ],
        ]
        for (n, engine) in engines.enumerated() {
            let flag = try CLI.run(["label", image, "--classes", "person, sofa, chair", "--json", "--out", folder + "/flag\(n)"] + engine)
            XCTAssertEqual(flag.status, 0, flag.stderr)
            let file = try CLI.run(["label", image, "--vocab", folder + "/mine.yaml", "--out", folder + "/file\(n)"] + engine)
            XCTAssertEqual(file.status, 0, file.stderr)
            let a = try ImageIO.readLabelMap(folder + "/flag\(n)/2007_000033.png")
            let b = try ImageIO.readLabelMap(folder + "/file\(n)/2007_000033.png")
            XCTAssertEqual(a.values, b.values, "\(engine[1]): the flag and the init file label alike")
            XCTAssertTrue(Set(a.valueCounts().keys).isSubset(of: [0, 1, 2, 3]), "\(engine[1]): \(a.valueCounts())")
            // The --json line names the classes found: only the list's (pascal-voc would say aeroplane here).
            XCTAssertTrue(flag.stdout.contains("\"classes\""), flag.stdout)
            XCTAssertFalse(flag.stdout.contains("aeroplane"), flag.stdout)
        }
    }

    func testTheReportRecordsTheListAndResumeRefusesAnotherList() throws {
        let folder = try CLI.temporaryFolder()
        let voc20 =
            "aeroplane,bicycle,bird,boat,bottle,bus,car,cat,chair,cow,diningtable,dog,horse,motorbike,person,"
            + "pottedplant,sheep,sofa,train,tvmonitor"
        let run = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--classes", voc20, "--report", folder + "/r.json", "--limit", "2",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try CLI.json(folder + "/r.json")
        let settings = try XCTUnwrap(report["settings"] as? [String: String])
        XCTAssertEqual(settings["vocabulary.source"], Vocabulary.classListSource(voc20.split(separator: ",").map(String.init)))
        XCTAssertEqual(report["vocabulary"] as? String, "custom")
        // The same classes as pascal-voc's, so the oracle scores alike.
        let voc = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--report", folder + "/voc.json", "--limit", "2"])
        XCTAssertEqual(voc.status, 0, voc.stderr)
        XCTAssertEqual(report["mIoU"] as? Double, try CLI.json(folder + "/voc.json")["mIoU"] as? Double)
        // `report` reads the vocabulary back from the report's source.
        let again = try CLI.run(["report", folder + "/r.json", "--csv", folder + "/r.csv"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let other = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--classes", voc20.replacingOccurrences(of: "sofa", with: "couch"),
            "--report", folder + "/r.json", "--resume",
        ])
        XCTAssertEqual(other.status, 2, other.stderr)
        XCTAssertTrue(other.stderr.contains("vocabulary"), other.stderr)
    }

    func testTheFlagAndTheConfigRefuseTwoVocabularies() throws {
        let folder = try CLI.temporaryFolder()
        let both = try CLI.run(["label", image, "--classes", "dog", "--vocab", "pascal-voc", "--out", folder])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.contains("--classes cannot be used with --vocab"), both.stderr)
        let others = try CLI.run(["label", image, "--others", "ignore", "--out", folder])
        XCTAssertEqual(others.status, 64)
        XCTAssertTrue(others.stderr.contains("--others applies only with --classes"), others.stderr)
        try "vocab: pascal-voc\n".write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
        let mixed = try CLI.run(["label", image, "--config", folder + "/c.yaml", "--classes", "dog", "--engine", "oracle", "--out", folder])
        XCTAssertEqual(mixed.status, 64, mixed.stderr)
        XCTAssertTrue(mixed.stderr.contains("--classes cannot be used with --vocab"), mixed.stderr)
        try "classes: [aeroplane, dog]\nothers: ignore\n".write(toFile: folder + "/d.yaml", atomically: true, encoding: .utf8)
        let config = try CLI.run(["prompt", "--vocab", folder + "/d.yaml"])
        XCTAssertEqual(config.stdout, "Please segment the image based on the category: others|aeroplane|dog.\n", config.stderr)
        let empty = try CLI.run(["label", image, "--classes", "dog,,cat", "--out", folder])
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.stderr.contains("write the names between commas"), empty.stderr)
    }
}
