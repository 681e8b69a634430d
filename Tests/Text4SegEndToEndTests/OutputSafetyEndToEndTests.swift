import Foundation
import Text4SegTestSupport
import XCTest

/// No command writes over a file it reads, two outputs never land on one file, and folder
/// walks end: each refusal happens before anything is written, and names both paths.
final class OutputSafetyEndToEndTests: XCTestCase {
    let labels = CLI.samples + "/labels"

    /// A folder holding copies of the sample images (and their ground truth, as `<id>.png`, in `truth`).
    func photos() throws -> (folder: String, truth: String) {
        let root = try CLI.temporaryFolder()
        let folder = root + "/photos", truth = root + "/truth"
        for path in [folder, truth] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        for id in ["2007_000033", "2007_000452"] {
            try FileManager.default.copyItem(atPath: CLI.samples + "/images/\(id).jpg", toPath: folder + "/\(id).jpg")
            try FileManager.default.copyItem(atPath: labels + "/\(id).png", toPath: truth + "/\(id).png")
        }
        return (folder, truth)
    }

    func files(in folder: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: folder)
        while let name = walker?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: folder + "/" + name) { out[name] = data }
        }
        return out
    }

    func testLabelRefusesToWriteOverItsOwnInput() throws {
        let (folder, truth) = try photos()
        // A PNG photo labeled into its own folder: its label map would be the photo itself.
        let png = folder + "/x.png"
        try FileManager.default.copyItem(atPath: labels + "/2007_000033.png", toPath: png)
        try FileManager.default.copyItem(atPath: truth + "/2007_000033.png", toPath: truth + "/x.png")
        let before = files(in: folder)
        let run = try CLI.run(["label", png, "--out", folder, "--engine", "oracle", "--ground-truth", truth, "--quiet"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("would replace \(png), which this run reads"), run.stderr)
        XCTAssertEqual(files(in: folder), before, "nothing was written")

        // The same through a link to the folder, and the ground truth as the output folder.
        let link = folder + "-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder)
        let linked = try CLI.run(["label", png, "--out", link, "--engine", "oracle", "--ground-truth", truth, "--quiet"])
        XCTAssertEqual(linked.status, 2, linked.stderr)
        let truthBefore = files(in: truth)
        let onTruth = try CLI.run([
            "label", folder + "/2007_000033.jpg", "--out", truth, "--engine", "oracle", "--ground-truth", truth, "--quiet",
        ])
        XCTAssertEqual(onTruth.status, 2, onTruth.stderr)
        XCTAssertTrue(onTruth.stderr.contains("\(truth)/2007_000033.png"), onTruth.stderr)
        XCTAssertEqual(files(in: truth), truthBefore)
    }

    func testOutputsOfDifferentKindsThatCollideAreRefusedAsOneSet() throws {
        let (folder, truth) = try photos()
        // a.jpg's overlay and a.overlay.jpg's label map are both a.overlay.png.
        try FileManager.default.copyItem(atPath: folder + "/2007_000033.jpg", toPath: folder + "/a.jpg")
        try FileManager.default.copyItem(atPath: folder + "/2007_000033.jpg", toPath: folder + "/a.overlay.jpg")
        for name in ["a", "a.overlay"] {
            try FileManager.default.copyItem(atPath: truth + "/2007_000033.png", toPath: truth + "/\(name).png")
        }
        let out = try CLI.temporaryFolder() + "/out"
        let common = ["label", folder + "/a.jpg", folder + "/a.overlay.jpg", "--out", out, "--engine", "oracle", "--ground-truth", truth]
        let run = try CLI.run(common + ["--overlay", "--quiet"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("\(out)/a.overlay.png would be written twice"), run.stderr)
        XCTAssertTrue(run.stderr.contains(folder + "/a.jpg") && run.stderr.contains(folder + "/a.overlay.jpg"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing was written")
        // Without overlays the two runs' outputs are apart.
        XCTAssertEqual(try CLI.run(common + ["--quiet"]).status, 0)
    }

    func testRecursiveRunsSkipTheirOutputFolderAndEndOnLinkLoops() throws {
        let (folder, truth) = try photos()
        let common = ["--recursive", "--engine", "oracle", "--ground-truth", truth, "--quiet", "--json"]
        // --out inside the folder being labeled: a second run must not label the first run's outputs.
        for _ in 0..<2 {
            let run = try CLI.run(["label", folder, "--out", folder + "/out"] + common)
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertEqual(run.stdout.split(separator: "\n").count, 2, run.stdout)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out/out"))
        try FileManager.default.removeItem(atPath: folder + "/out")

        // Two links back to the folder: each real folder is walked once, each image labeled once.
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/sub/l1", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: folder + "/sub/l2", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: folder + "/again.jpg", withDestinationPath: "2007_000033.jpg")
        let start = Date()
        let out = try CLI.temporaryFolder() + "/looped"
        let looped = try CLI.run(["label", folder, "--out", out] + common)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertEqual(looped.status, 0, looped.stderr)
        let images = looped.stdout.split(separator: "\n").compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["image"] as? String
        }
        XCTAssertEqual(images.count, 2, looped.stdout)
        XCTAssertTrue(looped.stderr.contains("each is labeled once"), looped.stderr)
    }

    func testEvalAndReportsNeverWriteOverWhatTheyRead() throws {
        let root = try CLI.temporaryFolder()
        try FileManager.default.copyItem(atPath: CLI.samples, toPath: root + "/voc")
        let dataset = root + "/voc"
        let truthBefore = files(in: dataset + "/labels")
        let onTruth = try CLI.run(["eval", "--dataset", dataset, "--engine", "oracle", "--out", dataset + "/labels", "--quiet"])
        XCTAssertEqual(onTruth.status, 2, onTruth.stderr)
        XCTAssertTrue(onTruth.stderr.contains("which this run reads"), onTruth.stderr)
        XCTAssertEqual(files(in: dataset + "/labels"), truthBefore)
        // New files may go into the dataset's folder; its own files may not be replaced.
        let inside = try CLI.run(["eval", "--dataset", dataset, "--engine", "oracle", "--csv", dataset + "/table.csv", "--quiet"])
        XCTAssertEqual(inside.status, 0, inside.stderr)

        let report = root + "/r.json"
        XCTAssertEqual(try CLI.run(["eval", "--dataset", dataset, "--engine", "oracle", "--report", report, "--quiet"]).status, 0)
        let original = try Data(contentsOf: URL(fileURLWithPath: report))
        for arguments in [
            ["report", report, "--csv", report], ["report", report, "--html", report],
            ["eval", "merge", report, "--report", report],
            ["eval", "--dataset", dataset, "--engine", "oracle", "--csv", dataset + "/ids.txt"],
        ] {
            let run = try CLI.run(arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("which this run reads"), run.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: report)), original)
    }

    func testConfigLimitsGoThroughTheFlagsValidation() throws {
        let folder = try CLI.temporaryFolder()
        for (key, value) in [
            ("max_pixels", "-1"), ("max_pixels", "0"), ("max_refine_pixels", "10"), ("concurrency", "0"), ("retries", "-3"),
            ("timeout", "0"), ("grid", "0"),
        ] {
            let config = folder + "/\(key)\(value).yaml"
            try "engine: oracle\n\(key): \(value)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let run = try CLI.run([
                "label", CLI.samples + "/images/2007_000033.jpg", "--out", folder + "/out", "--config", config, "--ground-truth", labels,
            ])
            XCTAssertEqual(run.status, 2, "\(key): \(value): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("\(config):2:\(key.count + 3): \(key): \(value) is out of range"), run.stderr)
        }
        // The same values as flags: refused at parse time with the flag's name.
        for (flag, value) in [("--max-pixels", "0"), ("--concurrency", "0"), ("--max-refine-pixels", "10")] {
            let run = try CLI.run(["label", CLI.samples + "/images/2007_000033.jpg", "--out", folder + "/out", flag, value])
            XCTAssertEqual(run.status, 64, run.stderr)
            XCTAssertTrue(run.stderr.contains("\(flag) must be between"), run.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"))
    }
}
