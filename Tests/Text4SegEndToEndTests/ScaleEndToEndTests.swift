import Foundation
import Text4SegTestSupport
import XCTest

/// What a long or distributed evaluation needs: shards that merge into the whole run's
/// report, a progress line on a terminal and plain lines in logs, an early stop when the
/// set-up is wrong, and the descriptor statistics behind R-RLE.
final class ScaleEndToEndTests: XCTestCase {
    /// Evaluates `dataset` whole and in four shards, merges them, and compares the reports.
    func assertShardsMergeToTheWholeRun(_ dataset: String, _ extra: [String] = []) throws {
        let folder = try CLI.temporaryFolder()
        let common = ["eval", "--dataset", dataset, "--engine", "oracle", "--quiet"] + extra
        let whole = try CLI.run(common + ["--report", folder + "/whole.json"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        var shards: [String] = []
        for index in 0..<4 {
            let path = folder + "/shard\(index).json"
            let run = try CLI.run(common + ["--shard", "\(index)/4", "--report", path])
            XCTAssertEqual(run.status, 0, run.stderr)
            shards.append(path)
        }
        // Given in any order.
        let merged = try CLI.run(["eval", "merge"] + shards.reversed() + ["--report", folder + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(merged.stdout, whole.stdout, "the merged table is the whole run's")
        XCTAssertEqual(
            ReportTimings.removed(from: try CLI.json(folder + "/whole.json")),
            ReportTimings.removed(from: try CLI.json(folder + "/merged.json")))

        let missing = try CLI.run(["eval", "merge", shards[0], shards[1], shards[3]])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("missing shard 2/4"), missing.stderr)
        let twice = try CLI.run(["eval", "merge", shards[0], shards[0], shards[1], shards[2], shards[3]])
        XCTAssertEqual(twice.status, 2)
        XCTAssertTrue(twice.stderr.contains("are both shard 0/4: they overlap"), twice.stderr)
        let other = try CLI.run(common + ["--shard", "2/4", "--grid", "16", "--report", folder + "/other.json"])
        XCTAssertEqual(other.status, 0, other.stderr)
        let differ = try CLI.run(["eval", "merge", shards[0], shards[1], folder + "/other.json", shards[3]])
        XCTAssertEqual(differ.status, 2)
        XCTAssertTrue(differ.stderr.contains("settings differ"), differ.stderr)
        XCTAssertTrue(differ.stderr.contains("grid: was '24', now '16'"), differ.stderr)
    }

    func testFourShardsMergeIntoTheWholeRunOnTheFixtures() throws {
        try assertShardsMergeToTheWholeRun(TestPaths.voc12)
    }

    func testFourShardsMergeIntoTheWholeRunOnTheDevSet() throws {
        try assertShardsMergeToTheWholeRun(try TestPaths.requireVOCDev(), ["--refine", "nearest"])
    }

    func testPipedOutputGetsPlainProgressLinesAndQuietNone() throws {
        let run = try CLI.run(["eval", "--dataset", TestPaths.voc12, "--engine", "oracle"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("\neval 12/12 (100%), "), run.stderr)
        XCTAssertFalse(run.stderr.contains("\u{1B}[K"), "no terminal codes in a pipe")
        let quiet = try CLI.run(["eval", "--dataset", TestPaths.voc12, "--engine", "oracle", "--quiet"])
        XCTAssertEqual(quiet.stderr, "")
        let label = try CLI.run([
            "label", TestPaths.samples + "/images/2007_000033.jpg", "--out", try CLI.temporaryFolder(),
            "--engine", "oracle", "--ground-truth", TestPaths.samples + "/labels",
        ])
        XCTAssertTrue(label.stderr.contains("label 1/1 (100%)"), label.stderr)
    }

    /// Under a pseudo-terminal (`script`), the 290-image run redraws one line in place.
    func testATerminalGetsALiveProgressLine() throws {
        let dev = try TestPaths.requireVOCDev()
        let command = ([CLI.executable, "eval", "--dataset", dev, "--engine", "oracle", "--refine", "nearest", "--concurrency", "1"])
            .map { "'\($0)'" }.joined(separator: " ")
        let run = try CLI.run("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"], environment: ["TERM": "xterm"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let redraws = run.stdout.components(separatedBy: "\r\u{1B}[Keval ").count - 1
        XCTAssertGreaterThan(redraws, 3, "the line is redrawn as items finish: \(run.stdout.suffix(400))")
        XCTAssertTrue(run.stdout.contains("\r\u{1B}[Keval 290/290 (100%)"), String(run.stdout.suffix(400)))
        XCTAssertTrue(run.stdout.contains("mIoU 88.52"), String(run.stdout.suffix(400)))
    }

    func testAWrongSetUpStopsAfterTheFirstItemsWithOneMessage() throws {
        let run = try CLI.run([
            "eval", "--dataset", TestPaths.voc12, "--engine", "openai", "--base-url", "http://127.0.0.1:1/v1", "--retries", "1",
            "--concurrency", "1",
        ])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("warning: connection refused by 127.0.0.1:1"), run.stderr)
        XCTAssertTrue(run.stderr.contains("retrying with backoff"), run.stderr)
        XCTAssertTrue(run.stderr.contains("(the first 3 items all failed this way; stopped before trying the rest)"), run.stderr)
        XCTAssertLessThanOrEqual(run.stderr.components(separatedBy: "failed: ").count - 1, 3, run.stderr)
        XCTAssertFalse(run.stdout.contains("mIoU"))
        let images = try FileManager.default.contentsOfDirectory(atPath: TestPaths.voc12 + "/images").sorted().prefix(5)
        let oracle = try CLI.run(
            ["label"] + images.map { TestPaths.voc12 + "/images/" + $0 } + ["--out", try CLI.temporaryFolder(), "--engine", "oracle"])
        XCTAssertEqual(oracle.status, 2, oracle.stderr)
        XCTAssertTrue(oracle.stderr.contains("engine oracle: no ground truth"), oracle.stderr)
    }

    func testWorstListsTheLowestScoringImagesAndTheReportKeepsEachImagesResult() throws {
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run([
            "eval", "--dataset", TestPaths.voc12, "--engine", "oracle", "--refine", "nearest", "--worst", "2",
            "--report", folder + "/r.json",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let items = try XCTUnwrap(try CLI.json(folder + "/r.json")["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["index"] as? Int }, Array(0..<12))
        for item in items {
            XCTAssertNotNil(item["mIoU"] as? Double)
            XCTAssertNotNil(item["aAcc"] as? Double)
            XCTAssertTrue((item["groundTruth"] as? [String])?.contains("background") ?? false)
            XCTAssertNotNil(item["seconds"] as? Double)
        }
        let lowest = items.sorted { ($0["mIoU"] as! Double) < ($1["mIoU"] as! Double) }.prefix(2).map { $0["id"] as! String }
        let lines = run.stdout.components(separatedBy: "worst 2 of 12 images by mIoU:\n").last ?? ""
        XCTAssertEqual(lines.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }, lowest, run.stdout)
        let report = try CLI.json(folder + "/r.json")
        XCTAssertEqual((report["tool"] as? String)?.hasPrefix("0.5.0 (commit "), true)
        XCTAssertNotNil(report["date"] as? String)
        XCTAssertEqual((report["settings"] as? [String: String])?["refine"], "nearest")
    }

    func testDescriptorStatisticsReproduceTheR_RLEReduction() throws {
        let dev = try TestPaths.requireVOCDev()
        let run = try CLI.run(["descriptors", "stats", "--dataset", dev, "--grid", "16,24"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let row = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.hasPrefix("  16 ") }, run.stdout)
        let reduction = try XCTUnwrap(row.split(separator: " ").first { $0.hasSuffix("%") }.flatMap { Double($0.dropLast()) }, String(row))
        XCTAssertGreaterThanOrEqual(reduction, 70)
        XCTAssertLessThanOrEqual(reduction, 78)
        XCTAssertTrue(row.hasSuffix("83.54"), "the 16×16 ceiling is the oracle's: \(row)")
        XCTAssertTrue(run.stdout.contains("88.52"), run.stdout)
    }
}

/// The per-class table for spreadsheets and papers.
final class ReportTablesEndToEndTests: XCTestCase {
    func testCSVAndMarkdownTablesHoldThePerClassScores() throws {
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run([
            "eval", "--dataset", TestPaths.samples, "--engine", "oracle", "--refine", "nearest", "--quiet", "--report", folder + "/r.json",
            "--csv", folder + "/t.csv", "--markdown", folder + "/t.md",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try CLI.json(folder + "/r.json")
        let classes = try XCTUnwrap(report["classes"] as? [[String: Any]])
        let csv = try String(contentsOfFile: folder + "/t.csv", encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(csv[0], "id,class,iou,acc,intersection,union,ground_truth_pixels,predicted_pixels")
        XCTAssertEqual(csv.count, classes.count + 1)
        let aeroplane = try XCTUnwrap(csv.first { $0.hasPrefix("1,aeroplane,") }).split(separator: ",", omittingEmptySubsequences: false)
        let entry = try XCTUnwrap(classes.first { $0["name"] as? String == "aeroplane" })
        XCTAssertEqual(Double(aeroplane[2])!, entry["iou"] as! Double, accuracy: 1e-4)
        XCTAssertEqual(UInt64(aeroplane[4]), (entry["intersection"] as! NSNumber).uint64Value)
        XCTAssertEqual(csv.first { $0.hasPrefix("2,bicycle,") }, "2,bicycle,,,0,0,0,0", "a skipped class has empty scores")
        let markdown = try String(contentsOfFile: folder + "/t.md", encoding: .utf8)
        XCTAssertTrue(
            markdown.hasPrefix("| class | IoU | Acc | ground-truth pixels | predicted pixels |\n|---|---:|---:|---:|---:|\n"), markdown)
        XCTAssertTrue(markdown.contains(String(format: "| **mean** | **%.2f** |", report["mIoU"] as! Double)), markdown)
        XCTAssertTrue(markdown.contains("| bicycle | – | – | 0 | 0 |"), markdown)
    }

    func testLabelPrintsTheClassesItFoundAndJSONLines() throws {
        let out = try CLI.temporaryFolder()
        let common = [
            "label", TestPaths.samples + "/images/2007_000033.jpg", "--out", out, "--engine", "oracle", "--ground-truth",
            TestPaths.samples + "/labels", "--refine", "nearest", "--quiet",
        ]
        let text = try CLI.run(common)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("2007_000033.png: background "), text.stdout)
        XCTAssertTrue(text.stdout.contains("aeroplane "), text.stdout)
        let json = try CLI.run(common + ["--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.stdout)
        let classes = try XCTUnwrap(object["classes"] as? [[String: Any]])
        XCTAssertEqual(classes.map { $0["name"] as? String }.prefix(2), ["background", "aeroplane"])
        XCTAssertEqual(classes.map { $0["share"] as! Double }.reduce(0, +), 1, accuracy: 1e-9)
        XCTAssertEqual(object["labelMap"] as? String, out + "/2007_000033.png")
    }
}
