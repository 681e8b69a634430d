import Foundation
import Text4SegTestSupport
import XCTest

/// Referring evaluation end to end on the layouts the papers' loaders read, written by
/// `scripts/make_refer_fixtures.py` from the VOC dev set (refs pickles in protocol 2 as Python 2
/// and 3 write them, gRefCOCO's JSON, COCO polygons, RLE and crowd annotations), scored against
/// `scripts/refer_metrics_reference.py`, an independent numpy implementation of the definitions.
final class ReferEndToEndTests: XCTestCase {
    nonisolated(unsafe) static var fixtures: String?

    /// The fixture folder, made once for the class.
    func fixtures() throws -> String {
        try Prerequisite.referTools.require()
        let voc = try CLI.requireVOCDev()
        if let made = ReferEndToEndTests.fixtures { return made }
        let folder = try CLI.temporaryFolder() + "/refer"
        let made = try CLI.run(
            "/usr/bin/env", ["python3", TestPaths.packageRoot + "/scripts/make_refer_fixtures.py", folder, "--voc", voc])
        XCTAssertEqual(made.status, 0, made.stderr)
        ReferEndToEndTests.fixtures = folder
        return folder
    }

    /// `eval --task refer` of one split; its report, stderr and status.
    func evaluate(
        _ split: String, _ extra: [String] = [], status: Int32 = 0, out: String? = nil
    ) throws -> (report: [String: Any], stderr: String, stdout: String) {
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run(
            ["eval", "--dataset", try fixtures(), "--task", "refer", "--refer-split", split, "--report", folder + "/r.json", "--quiet"]
                + (out.map { ["--out", $0] } ?? []) + extra)
        XCTAssertEqual(run.status, status, run.stderr)
        return (status == 0 || status == 1 ? try CLI.json(folder + "/r.json") : [:], run.stderr, run.stdout)
    }

    /// The reference scorer's numbers for the predictions in `out`.
    func reference(_ split: String, predictions out: String) throws -> [String: Any] {
        let run = try CLI.run(
            "/usr/bin/env",
            [
                "python3", TestPaths.packageRoot + "/scripts/refer_metrics_reference.py", try fixtures() + "/truth.jsonl", out, "--flat",
                "--ds-split", split, "--no-per-expression",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
    }

    /// The report's scores equal the reference's, metric for metric (percent against fractions).
    func assertSameScores(_ report: [String: Any], _ reference: [String: Any], _ context: String) {
        let refer = report["refer"] as? [String: Any] ?? [:]
        XCTAssertEqual(refer["expressions"] as? Int, reference["count"] as? Int, context)
        for (mine, theirs) in [("cIoU", "ciou"), ("gIoU", "giou"), ("accAt05", "acc_at_05"), ("nAcc", "n_acc"), ("tAcc", "t_acc")] {
            let expected = (reference[theirs] as? Double).map { $0 * 100 }
            let found = refer[mine] as? Double
            XCTAssertEqual(
                found == nil, expected == nil, "\(context): \(mine) \(String(describing: found)) vs \(String(describing: expected))")
            if let found, let expected { XCTAssertEqual(found, expected, accuracy: 1e-6, "\(context): \(mine)") }
        }
    }

    func testTheOracleScoresEveryLayoutAsTheReferenceDoes() throws {
        let splits = [
            "refcoco|unc|val", "refcoco|unc|testB", "refcoco+|unc|testA", "refcocog|umd|val", "grefcoco|unc|val", "ReasonSeg|val",
        ]
        for split in splits {
            let out = try CLI.temporaryFolder()
            let (report, stderr, stdout) = try evaluate(split, ["--engine", "oracle", "--refine", "nearest"], out: out)
            assertSameScores(report, try reference(split, predictions: out), split)
            XCTAssertTrue(stdout.contains("cIoU "), stdout)
            XCTAssertEqual((report["dataset"] as? [String: Any])?["layout"] as? String, "refer")
            XCTAssertEqual((report["dataset"] as? [String: Any])?["split"] as? String, split)
            _ = stderr
        }
        // The first stderr line says what was read and assumed.
        let run = try CLI.run(["eval", "--dataset", try fixtures() + "/refer_seg", "--engine", "oracle", "--limit", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.hasPrefix("dataset: referring expressions (refer_seg) at "), first)
        XCTAssertTrue(first.contains("split refcoco|unc|val"), first)
        XCTAssertTrue(first.contains("images from ") && first.contains("images/mscoco/images/train2014"), first)
    }

    func testItemsAreTheLoadersExpressionsInTheirOrder() throws {
        let (report, _, _) = try evaluate("refcoco+|unc|val", ["--engine", "oracle"])
        let truth = try String(contentsOfFile: try fixtures() + "/truth.jsonl", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.filter { $0["ds_split"] as? String == "refcoco+|unc|val" }
        let items = report["items"] as? [[String: Any]] ?? []
        // Text4Seg numbers an image's expressions <image>/<i>; the report's ids are <image>_<i>.
        XCTAssertEqual(
            items.compactMap { $0["id"] as? String },
            truth.map { ($0["id"] as! String).split(separator: "/").dropFirst().joined(separator: "_") })
        XCTAssertEqual(items.compactMap { $0["expression"] as? String }, truth.map { $0["expression"] as! String })
        XCTAssertTrue(items.allSatisfy { $0["iou"] is Double && $0["refer"] is [String: Any] })
    }

    func testANoTargetExpressionCountsForNAccOnlyWhenAnsweredEmpty() throws {
        let split = "grefcoco|unc|val"
        let (listed, _, _) = try evaluate(split, ["--engine", "oracle"])
        let items = listed["items"] as? [[String: Any]] ?? []
        let noTarget = items.filter { ($0["refer"] as? [String: Any])?["truth"] as? Int == 0 }.compactMap { $0["id"] as? String }
        XCTAssertGreaterThanOrEqual(noTarget.count, 2, "the fixture has no-target expressions")
        // Every expression answered all `others`: every no-target one is right, every targeted one wrong.
        let answers = try CLI.temporaryFolder()
        let empty =
            "Sure, the segmentation mask is:\n<seg>" + Array(repeating: "others *24", count: 24).joined(separator: "\n ") + "\n</seg>"
        for item in items { try empty.write(toFile: answers + "/\(item["id"] as! String).txt", atomically: true, encoding: .utf8) }
        let out = try CLI.temporaryFolder()
        let (allOthers, _, _) = try evaluate(split, ["--engine", "replay", "--replay", answers, "--refine", "nearest"], out: out)
        let scores = allOthers["refer"] as? [String: Any] ?? [:]
        XCTAssertEqual(scores["nAcc"] as? Double, 100)
        XCTAssertEqual(scores["tAcc"] as? Double, 0)
        assertSameScores(allOthers, try reference(split, predictions: out), "all others")
        // One no-target expression answered with a target (any label but `others` is foreground): N-acc drops by one.
        let target =
            "Sure, the segmentation mask is:\n<seg>" + Array(repeating: "others *20| the dog *4", count: 24).joined(separator: "\n ")
            + "\n</seg>"
        try target.write(toFile: answers + "/\(noTarget[0]).txt", atomically: true, encoding: .utf8)
        let out2 = try CLI.temporaryFolder()
        let (oneWrong, _, _) = try evaluate(split, ["--engine", "replay", "--replay", answers, "--refine", "nearest"], out: out2)
        let wrong = oneWrong["refer"] as? [String: Any] ?? [:]
        XCTAssertEqual(wrong["nAcc"] as? Double ?? 0, 100 * Double(noTarget.count - 1) / Double(noTarget.count), accuracy: 1e-9)
        assertSameScores(oneWrong, try reference(split, predictions: out2), "one no-target answered")
        // The unknown label is foreground, not a repair.
        XCTAssertEqual(oneWrong["repairs"] as? Int, 0)
    }

    func testShardsMergeToOneRunAndAnInterruptedRunResumes() throws {
        let split = "refcocog|umd|val"
        let (whole, _, _) = try evaluate(split, ["--engine", "oracle"])
        let folder = try CLI.temporaryFolder()
        var reports: [String] = []
        for shard in ["0/3", "1/3", "2/3"] {
            let path = folder + "/shard-\(shard.first!).json"
            let run = try CLI.run(
                [
                    "eval", "--dataset", try fixtures(), "--task", "refer", "--refer-split", split, "--engine", "oracle", "--shard", shard,
                    "--report", path, "--quiet",
                ])
            XCTAssertEqual(run.status, 0, run.stderr)
            reports.append(path)
        }
        let merged = try CLI.run(["eval", "merge"] + reports + ["--report", folder + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        let mergedReport = try CLI.json(folder + "/merged.json")
        XCTAssertEqual(
            NSDictionary(dictionary: mergedReport["refer"] as? [String: Any] ?? [:]),
            NSDictionary(dictionary: whole["refer"] as? [String: Any] ?? ["missing": true]))
        XCTAssertTrue(merged.stdout.contains("cIoU "), merged.stdout)

        // A journal of the first items, as an interrupted run leaves it: --resume takes them and runs the rest.
        let report = folder + "/resumed.json"
        let partial = try CLI.run(
            [
                "eval", "--dataset", try fixtures(), "--task", "refer", "--refer-split", split, "--engine", "oracle", "--limit", "5",
                "--report", report, "--quiet",
            ])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertEqual((try CLI.json(report)["items"] as? [[String: Any]])?.count, 5)
        let resumed = try CLI.run(
            [
                "eval", "--dataset", try fixtures(), "--task", "refer", "--refer-split", split, "--engine", "oracle", "--report", report,
                "--quiet", "--resume",
            ])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed: 5 items taken from"), resumed.stderr)
        XCTAssertEqual(
            NSDictionary(dictionary: try CLI.json(report)["refer"] as? [String: Any] ?? [:]),
            NSDictionary(dictionary: whole["refer"] as? [String: Any] ?? ["missing": true]))
    }

    func testAHostilePickleIsRefusedWithAMessage() throws {
        let source = try fixtures()
        let copy = try CLI.temporaryFolder() + "/refer_seg"
        try FileManager.default.createDirectory(atPath: copy + "/refcoco", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/refer_seg/refcoco/instances.json", toPath: copy + "/refcoco/instances.json")
        try FileManager.default.createSymbolicLink(atPath: copy + "/images", withDestinationPath: source + "/refer_seg/images")
        // protocol 2: GLOBAL os.system, then a call of it; the reader must refuse at the GLOBAL and run nothing.
        let marker = copy + "/ran"
        let command = Data("touch \(marker)".utf8)
        let length = withUnsafeBytes(of: UInt32(command.count).littleEndian) { Data($0) }
        let hostile = Data([0x80, 0x02]) + Data("cos\nsystem\n".utf8) + Data([0x58]) + length + command + Data([0x85, 0x52, 0x2E])
        try hostile.write(to: URL(fileURLWithPath: copy + "/refcoco/refs(unc).p"))
        let run = try CLI.run(["eval", "--dataset", copy, "--task", "refer", "--engine", "oracle", "--quiet"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("refs(unc).p: refused pickle at byte 2"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testReferWritesTheMaskItsBoxAndTheAnswerAndABadItemFailsAlone() throws {
        let source = try fixtures()
        let images = source + "/refer_seg/images/mscoco/images/train2014"
        let names = try FileManager.default.contentsOfDirectory(atPath: images).filter { $0.hasSuffix(".jpg") }.sorted()
        let folder = try CLI.temporaryFolder()
        // A ground-truth mask for the oracle: a rectangle, 0/255, of the first image's size.
        let made = try CLI.python(
            """
            import sys
            from PIL import Image
            import numpy as np
            w, h = Image.open(sys.argv[1]).size
            m = np.zeros((h, w), np.uint8); m[h // 4:h // 2, w // 3:w // 2] = 255
            Image.fromarray(m).save(sys.argv[2])
            """, [images + "/" + names[0], folder + "/truth.png"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let out = folder + "/out"
        let run = try CLI.run(
            [
                "refer", images + "/" + names[0], "--expression", "the left bike, please", "--out", out, "--overlay", "--engine", "oracle",
                "--ground-truth", folder + "/truth.png", "--refine", "nearest", "--json",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stem = String(names[0].dropLast(4))
        let answer = try CLI.json(out + "/\(stem)_0.json")
        XCTAssertEqual(answer["question"] as? String, "Please segment only the the left bike please in the image.")
        XCTAssertEqual(answer["engine"] as? String, "oracle")
        XCTAssertTrue((answer["answer"] as? String ?? "").contains("<seg>"))
        for suffix in [".png", ".txt", ".overlay.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/\(stem)_0" + suffix), suffix)
        }
        // The box is the mask's, as Text4Seg's masks_to_boxes takes it, and the mask is 0/255.
        let check = try CLI.python(
            """
            import sys, json
            import numpy as np
            from PIL import Image
            m = np.array(Image.open(sys.argv[1]))
            assert set(np.unique(m)) <= {0, 255}, np.unique(m)
            ys, xs = np.nonzero(m)
            print(json.dumps([int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()), int((m > 0).sum())]))
            """, [out + "/\(stem)_0.png"])
        XCTAssertEqual(check.status, 0, check.stderr)
        let expected = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [Int] ?? []
        XCTAssertEqual(answer["box"] as? [Int], Array(expected.prefix(4)))
        XCTAssertEqual(answer["area"] as? Int, expected.last)
        XCTAssertEqual(run.stdout.split(separator: "\n").count, 1, "one JSON line per expression")

        // A JSONL batch over two images, one of them missing: it fails alone.
        let batch = folder + "/batch.jsonl"
        try """
        {"image": "\(images)/\(names[1])", "expression": "bike"}
        {"image": "missing.jpg", "expression": "dog"}
        {"image": "\(images)/\(names[1])", "expression": "the other one"}
        """.write(toFile: batch, atomically: true, encoding: .utf8)
        let answers = folder + "/answers"
        try FileManager.default.createDirectory(atPath: answers, withIntermediateDirectories: true)
        let second = String(names[1].dropLast(4))
        for n in 0..<2 {
            try "Sure, the segmentation mask is:\n<seg>others *24\n</seg>".write(
                toFile: answers + "/\(second)_\(n).txt", atomically: true, encoding: .utf8)
        }
        let batchRun = try CLI.run(["refer", "--expressions", batch, "--out", out, "--engine", "replay", "--replay", answers])
        XCTAssertEqual(batchRun.status, 1, batchRun.stderr)
        XCTAssertTrue(batchRun.stderr.contains("missing_0"), batchRun.stderr)
        XCTAssertTrue(batchRun.stderr.contains("1 of 3 expressions failed; the others were written"), batchRun.stderr)
        XCTAssertTrue(batchRun.stdout.contains("\(second)_1: 'the other one': not found (empty mask)"), batchRun.stdout)
        XCTAssertNil(try CLI.json(out + "/\(second)_0.json")["box"] as? [Int])
    }

    /// A Text4Seg checkpoint behind a server, played by the stub: it reads the expression back from
    /// the question (any of the six templates, drawn per expression with a seed), answers from the
    /// truth mask, and fails a third of the requests. The scores must be the oracle's. Expressions
    /// repeated on one image with different targets (as in real RefCOCO) are answered in the split's
    /// order, so the client asks one at a time.
    func testTheOpenAIEngineThroughAFaultyServerScoresAsTheOracle() throws {
        let source = try fixtures()
        for split in ["refcoco|unc|val", "grefcoco|unc|val"] {
            let (oracle, _, _) = try evaluate(split, ["--engine", "oracle", "--refine", "nearest"])
            let server = try StubServer(
                script: "openai_stub_server.py",
                [
                    "--refer", source + "/truth.jsonl", "--refer-split", split, "--in-order", "--fail-rate", "0.35", "--seed", "7",
                    "--chatter",
                ])
            defer { server.stop() }
            let (served, _, _) = try evaluate(
                split,
                [
                    "--engine", "openai", "--base-url", server.baseURL, "--concurrency", "1", "--template-seed", "7", "--refine",
                    "nearest",
                ])
            XCTAssertEqual(
                NSDictionary(dictionary: served["refer"] as? [String: Any] ?? [:]),
                NSDictionary(dictionary: oracle["refer"] as? [String: Any] ?? ["missing": true]), split)
            XCTAssertGreaterThan(try server.stats()["failures"] as? Int ?? 0, 1, "the server injected failures")
            XCTAssertEqual(served["retries"] as? Int, try server.stats()["failures"] as? Int)
        }
    }
}
