import Foundation
import Text4SegTestSupport
import XCTest

/// Each released dataset layout read end to end, from fixtures in the exact folder layout
/// (`Tests/Text4SegTestSupport/Fixtures/layouts`, made by `scripts/make_layout_fixtures.py`), with the
/// conventions the layout brings, and the refusal of labels from another vocabulary.
final class DatasetLayoutsEndToEndTests: XCTestCase {
    static let layouts = TestPaths.fixtures + "/layouts"

    /// Runs an oracle evaluation and returns its report.
    func evaluate(_ path: String, _ extra: [String] = [], status: Int32 = 0) throws -> (report: [String: Any], stderr: String) {
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run(
            [
                "eval", "--dataset", DatasetLayoutsEndToEndTests.layouts + "/" + path, "--engine", "oracle", "--refine", "nearest",
                "--report", folder + "/r.json",
            ] + extra)
        XCTAssertEqual(run.status, status, run.stderr)
        return (status == 0 ? try CLI.json(folder + "/r.json") : [:], run.stderr)
    }

    func testEachLayoutIsDetectedWithItsConventions() throws {
        let cases: [(path: String, layout: String, vocabulary: String, reduce: String, ids: [String])] = [
            ("VOCdevkit", "voc", "pascal-voc", "false", ["2007_000001", "2007_000002"]),
            ("VOCdevkit/VOC2010", "context", "pascal-context-59", "true", ["2008_000001", "2008_000002"]),
            // The split's own folder finds the root, and names the split.
            ("coco_stuff164k/images/val2017", "coco-stuff", "coco-stuff-171", "false", ["000000000139", "000000000285"]),
            ("ADEChallengeData2016", "ade", "ade20k-150", "true", ["ADE_val_00000001", "ADE_val_00000002"]),
        ]
        for c in cases {
            let (report, stderr) = try evaluate(c.path)
            let dataset = try XCTUnwrap(report["dataset"] as? [String: Any], c.path)
            XCTAssertEqual(dataset["layout"] as? String, c.layout, c.path)
            let settings = try XCTUnwrap(report["settings"] as? [String: String])
            XCTAssertEqual(settings["vocabulary"], c.vocabulary, c.path)
            XCTAssertEqual(settings["reduce_zero_label"], c.reduce, c.path)
            XCTAssertEqual((report["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, c.ids, c.path)
            XCTAssertGreaterThan(report["mIoU"] as? Double ?? 0, 80, c.path)
            XCTAssertTrue(stderr.contains("vocabulary \(c.vocabulary) (the layout's)"), stderr)
        }
        // The summary says what was assumed, and flags override it.
        let (context60, stderr) = try evaluate("VOCdevkit/VOC2010", ["--no-reduce-zero-label"])
        XCTAssertEqual((context60["settings"] as? [String: String])?["reduce_zero_label"], "false")
        XCTAssertTrue(stderr.contains("label 0 scored"), stderr)
        let (_, contextStderr) = try evaluate("VOCdevkit/VOC2010")
        XCTAssertTrue(contextStderr.contains("label 0 ignored (the layout's convention; --no-reduce-zero-label to change)"), contextStderr)
        let (train, _) = try evaluate("VOCdevkit", ["--split", "train"])
        XCTAssertEqual((train["items"] as? [[String: Any]])?.count, 1)
    }

    func testFoldersTakeALabelSuffixAndAnIdListAndFormatsCanBeForced() throws {
        let (report, _) = try evaluate("folders", ["--labels-suffix", "_gt", "--split", "subset.txt"])
        XCTAssertEqual((report["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, ["c", "a"])
        XCTAssertEqual(
            (report["dataset"] as? [String: Any])?["split"] as? String, DatasetLayoutsEndToEndTests.layouts + "/folders/subset.txt")
        // Without the suffix every label is missing: the run stops and names the flag that finds them.
        let (_, missing) = try evaluate("folders", ["--split", "subset.txt"], status: 2)
        XCTAssertTrue(missing.contains("labels/c.png: no such label map, but there is"), missing)
        XCTAssertTrue(missing.contains("labels/c_gt.png: pass --labels-suffix _gt"), missing)
        let (_, wrongFormat) = try evaluate("VOCdevkit", ["--dataset-format", "ade"], status: 2)
        XCTAssertTrue(wrongFormat.contains("not a ADE20K folder (--dataset-format ade); expected ADEChallengeData2016/"), wrongFormat)
        let (_, missingSplit) = try evaluate("VOCdevkit", ["--split", "test"], status: 2)
        XCTAssertTrue(missingSplit.contains("ImageSets/Segmentation/test.txt: missing"), missingSplit)
    }

    func testLabelsOfAnotherVocabularyStopTheRunAndNameTheOneThatFits() throws {
        let (_, stderr) = try evaluate("ADEChallengeData2016", ["--vocab", "pascal-voc"], status: 2)
        XCTAssertTrue(stderr.contains("ADE_val_0000000"), stderr)
        XCTAssertTrue(stderr.contains("label value 150 is neither a class of 'pascal-voc' nor its ignore value"), stderr)
        XCTAssertTrue(stderr.contains("pass --vocab ade20k-150"), stderr)
        XCTAssertFalse(stderr.contains("mIoU"), "no score is printed: \(stderr)")
    }

    /// The three real ADE20K pairs in shared/data, as images/ + labels/ with ADE's conventions given by flags.
    func testTheADE20KSampleScoresWithItsVocabulary() throws {
        let sample = try TestPaths.requireADESample()
        let run = try CLI.run([
            "eval", "--dataset", sample, "--engine", "oracle", "--vocab", "ade20k-150", "--reduce-zero-label", "--refine", "nearest",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("mIoU 70.93"), run.stdout)
        let wrong = try CLI.run(["eval", "--dataset", sample, "--engine", "oracle"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.contains("pass --vocab ade20k-150"), wrong.stderr)
    }

    /// Id lists saved on Windows (CRLF) or an old Mac (CR) list every id, as LF lists do.
    func testIdListsWithCRLFOrCRLineEndsListEveryItem() throws {
        let folder = try CLI.temporaryFolder()
        try FileManager.default.copyItem(atPath: DatasetLayoutsEndToEndTests.layouts + "/VOCdevkit", toPath: folder + "/VOCdevkit")
        let list = folder + "/VOCdevkit/VOC2012/ImageSets/Segmentation/val.txt"
        let ids = try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(ids.count, 2)
        for (name, end) in [("CRLF", "\r\n"), ("CR", "\r")] {
            try FileManager.default.removeItem(atPath: list)
            try (ids.joined(separator: end) + end).write(toFile: list, atomically: true, encoding: .utf8)
            let run = try CLI.run([
                "eval", "--dataset", folder + "/VOCdevkit", "--engine", "oracle", "--refine", "nearest", "--report", folder + "/r.json",
            ])
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
            XCTAssertEqual(try CLI.json(folder + "/r.json")["images"] as? Int, ids.count, name)
        }
        // A --split file of images/ + labels/ the same way.
        try "2007_000033\r\n2007_000452\r\n".write(toFile: folder + "/split.txt", atomically: true, encoding: .utf8)
        let split = try CLI.run([
            "eval", "--dataset", TestPaths.samples, "--split", folder + "/split.txt", "--engine", "oracle", "--refine", "nearest",
            "--report", folder + "/s.json",
        ])
        XCTAssertEqual(split.status, 0, split.stderr)
        let items = try XCTUnwrap(try CLI.json(folder + "/s.json")["items"] as? [[String: Any]])
        XCTAssertEqual(items.map { $0["id"] as? String }, ["2007_000033", "2007_000452"])
    }

    /// `eval --html` and `report --predictions` on images/ + labels/ without ids.txt (the ADE20K
    /// sample): the gallery finds the items the run evaluated.
    func testTheGalleryFindsTheItemsOfAFolderRunWithoutAnIdList() throws {
        let sample = try TestPaths.requireADESample()
        XCTAssertFalse(FileManager.default.fileExists(atPath: sample + "/ids.txt"), "the sample has no id list")
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run([
            "eval", "--dataset", sample, "--engine", "oracle", "--vocab", "ade20k-150", "--reduce-zero-label", "--refine", "nearest",
            "--quiet", "--report", folder + "/r.json", "--html", folder + "/page.html", "--gallery", "1", "--out", folder + "/pred",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stderr.contains("warning: gallery"), run.stderr)
        let page = try String(contentsOfFile: folder + "/page.html", encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<img src=\"data:").count - 1, 2 * 4, "the worst and the best row, four images each")
        let again = try CLI.run([
            "report", folder + "/r.json", "--html", folder + "/again.html", "--gallery", "1", "--predictions", folder + "/pred",
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("warning: gallery"), again.stderr)
        let second = try String(contentsOfFile: folder + "/again.html", encoding: .utf8)
        XCTAssertEqual(second.components(separatedBy: "<img src=\"data:").count - 1, 2 * 4)
    }
}
