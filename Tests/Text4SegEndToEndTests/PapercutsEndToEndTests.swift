import Foundation
import Text4SegTestSupport
import XCTest

/// What a newcomer met in the first minutes (issue 22's papercuts), each as a user sees it.
final class PapercutsEndToEndTests: XCTestCase {
    let labels = CLI.samples + "/labels"
    let images = ["2007_000033", "2007_000452", "2007_001321"].map { CLI.samples + "/images/\($0).jpg" }

    func testAMissingImageIsNamedOnceWithNoSpeedAndNoClaimOfOthers() throws {
        let out = try CLI.temporaryFolder() + "/out"
        let run = try CLI.run(["label", "nope.jpg", "--out", out, "--engine", "oracle", "--ground-truth", labels])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("error: nope.jpg: cannot read: no such file"), run.stderr)
        XCTAssertFalse(run.stderr.contains("nope.jpg: nope.jpg"), run.stderr)
        XCTAssertFalse(run.stderr.contains("images/s"), run.stderr)
        XCTAssertFalse(run.stderr.contains("the others were written"), run.stderr)
        XCTAssertTrue(run.stderr.contains("nothing was written"), run.stderr)
    }

    func testAnEmptyFolderWarnsOnceAndStops() throws {
        let empty = try CLI.temporaryFolder()
        let run = try CLI.run(["label", empty, "--out", empty + "/out", "--engine", "oracle"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(run.stderr.components(separatedBy: "no images (JPEG, PNG, WebP or TIFF)").count, 2, "one warning: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("error: no images to label"), run.stderr)
    }

    func testResultsPrintInInputOrderAndFailuresJoinTheJSONStream() throws {
        let out = try CLI.temporaryFolder() + "/out"
        // The inputs in an order no sort gives, a missing one among them, three in flight.
        let inputs = [images[2], "missing.jpg", images[0], images[1]]
        let run = try CLI.run(
            ["label"] + inputs + ["--out", out, "--engine", "oracle", "--ground-truth", labels, "--json", "--concurrency", "3"])
        XCTAssertEqual(run.status, 1, run.stderr)
        let lines = try run.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.map { $0["image"] as? String }, inputs)
        XCTAssertEqual(lines[1]["error"] as? String, "missing.jpg: cannot read: no such file")
        XCTAssertNil(lines[1]["labelMap"])
        XCTAssertNotNil(lines[0]["classes"])

        let text = try CLI.run(["label"] + inputs.reversed() + ["--out", out, "--engine", "oracle", "--ground-truth", labels])
        XCTAssertEqual(
            text.stdout.split(separator: "\n").map { String($0.prefix { $0 != " " }) }, inputs.reversed().filter { $0 != "missing.jpg" })
    }

    func testNamesThatNameNothingGetTheClosestOne() throws {
        let folder = try CLI.temporaryFolder()
        let vocab = try CLI.run(["label", images[0], "--out", folder + "/o", "--engine", "oracle", "--vocab", "pascal_voc"])
        XCTAssertEqual(vocab.status, 2, vocab.stderr)
        XCTAssertTrue(vocab.stderr.contains("Did you mean 'pascal-voc'?"), vocab.stderr)

        // Every problem of a config file at once, in the file's order, each with its place.
        let config = folder + "/c.yaml"
        try "engine: oracle\nrefiner: crf\nmax_pixels: 0\nwatershed:\n  margn: 2\n  sigma: -5\n".write(
            toFile: config, atomically: true, encoding: .utf8)
        let run = try CLI.run(["label", images[0], "--out", folder + "/o", "--config", config])
        XCTAssertEqual(run.status, 2, run.stderr)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 4, run.stderr)
        XCTAssertTrue(errors[0].contains("c.yaml:2:1: unknown key 'refiner'. Did you mean 'refine'?"), run.stderr)
        XCTAssertTrue(errors[1].contains("c.yaml:3:13: max_pixels: 0 is out of range"), run.stderr)
        XCTAssertTrue(errors[2].contains("c.yaml:5:3: unknown key 'margn' in watershed. Did you mean 'margin'?"), run.stderr)
        XCTAssertTrue(errors[3].contains("c.yaml:6:10: watershed.sigma: -5 is out of range"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/o"))
    }

    func testDatasetPathsSayWhatIsWrongAndHowToFixIt() throws {
        let missing = try CLI.run(["eval", "--dataset", "/no/such", "--engine", "oracle"])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("error: /no/such: does not exist"), missing.stderr)

        // Labels named <stem>_mask.png: the message names the file found and the flag that reads it.
        let root = try CLI.temporaryFolder() + "/set"
        for folder in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: images[0], toPath: root + "/images/2007_000033.jpg")
        try FileManager.default.copyItem(atPath: labels + "/2007_000033.png", toPath: root + "/labels/2007_000033_mask.png")
        let suffixed = try CLI.run(["eval", "--dataset", root, "--engine", "oracle"])
        XCTAssertEqual(suffixed.status, 2, suffixed.stderr)
        XCTAssertTrue(suffixed.stderr.contains("2007_000033_mask.png: pass --labels-suffix _mask"), suffixed.stderr)
        let fixed = try CLI.run(["eval", "--dataset", root, "--engine", "oracle", "--labels-suffix", "_mask"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
    }

    func testHelpStatesEachDefaultOnceAndNoFolderThatDoesNotExist() throws {
        let label = try CLI.run(["label", "--help"])
        XCTAssertEqual(label.stdout.components(separatedBy: "default: both").count, 2, label.stdout)
        let report = try CLI.run(["report", "--help"])
        XCTAssertFalse(report.stdout.contains("--html kept"), report.stdout)
    }
}
