import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// `--export`: the files are read by the tools' own code (pycocotools, label-studio-sdk's brush
/// decoder, datumaro's CVAT reader) and every region is compared with its label map, pixel for
/// pixel (scripts/check_exports.py).
final class ExportEndToEndTests: XCTestCase {
    /// Runs check_exports.py on `out` for `format`; returns what it counted.
    func check(_ format: String, _ out: String, vocabulary: Vocabulary, root: String? = nil) throws -> [String: Int] {
        let names = Dictionary(vocabulary.classes.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        var arguments = [
            TestPaths.packageRoot + "/scripts/check_exports.py", format, out, "--others", "\(vocabulary.othersID ?? -1)", "--ignore",
            "\(vocabulary.ignoreValue)", "--names", String(decoding: try JSONSerialization.data(withJSONObject: names), as: UTF8.self),
        ]
        if let root { arguments += ["--root", root] }
        let python = format == "cvat" ? Prerequisite.datumaroPython : "/usr/bin/env"
        let run = try CLI.run(python, format == "cvat" ? arguments : ["python3"] + arguments)
        XCTAssertEqual(run.status, 0, "\(format): \(run.stderr)")
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Int], run.stdout + run.stderr)
    }

    func testTheDevSetRoundTripsThroughPycocotoolsLabelStudioAndDatumaro() throws {
        let dev = try TestPaths.requireVOCDev()
        try Prerequisite.annotationTools.require()
        try Prerequisite.datumaro.require()
        let out = try CLI.temporaryFolder()
        let run = try CLI.run(["eval", "--dataset", dev, "--engine", "oracle", "--quiet", "--out", out, "--export", "all"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let voc = try Vocabulary.load("pascal-voc")
        let coco = try check("coco", out, vocabulary: voc)
        XCTAssertEqual(coco["images"], 290)
        XCTAssertGreaterThan(coco["regions"] ?? 0, 290)
        XCTAssertEqual(try check("labelstudio", out, vocabulary: voc), coco)
        XCTAssertEqual(try check("cvat", out, vocabulary: voc, root: dev + "/images"), coco)
        let tasks = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/labelstudio.json"))) as? [[String: Any]])
        let prediction = try XCTUnwrap((tasks[0]["predictions"] as? [[String: Any]])?.first)
        XCTAssertTrue((prediction["model_version"] as? String)?.contains("oracle") ?? false, "\(prediction["model_version"] ?? "")")
    }

    func testPathsAreRelativeToTheExportRootAndAFailedImageIsLeftOut() throws {
        try Prerequisite.annotationTools.require()
        let root = try CLI.temporaryFolder(), out = try CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: root + "/photos/2024", withIntermediateDirectories: true)
        for id in ["2007_000033", "2007_000452"] {
            try FileManager.default.copyItem(atPath: CLI.samples + "/images/\(id).jpg", toPath: root + "/photos/2024/\(id).jpg")
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: root + "/photos/2024/broken.jpg"))
        let classes =
            "aeroplane, bicycle, bird, boat, bottle, bus, car, cat, chair, cow, diningtable, dog, horse, motorbike, person, "
            + "pottedplant, sheep, sofa, train, tvmonitor"
        let run = try CLI.run([
            "label", root + "/photos", "--recursive", "--out", out, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
            "--classes", classes, "--export", "coco", "--export", "labelstudio,cvat", "--export-root", root,
        ])
        XCTAssertEqual(run.status, 1, "the broken image fails alone: \(run.stderr)")
        let coco = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/coco.json"))) as? [String: Any])
        let names = (coco["images"] as? [[String: Any]])?.compactMap { $0["file_name"] as? String }
        XCTAssertEqual(names, ["photos/2024/2007_000033.jpg", "photos/2024/2007_000452.jpg"])
        // The label maps sit at <out>/2024/<id>.png (relative to the folder given), the exports name
        // the images relative to the export root: link the maps where the checker looks.
        try FileManager.default.createDirectory(atPath: out + "/photos", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: out + "/photos/2024", withDestinationPath: out + "/2024")
        let vocabulary = try Vocabulary.classList(classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        XCTAssertEqual(try check("coco", out, vocabulary: vocabulary)["images"], 2)
        XCTAssertEqual(try check("labelstudio", out, vocabulary: vocabulary)["images"], 2)
        let xml = try String(contentsOfFile: out + "/cvat.xml", encoding: .utf8)
        XCTAssertTrue(xml.contains("name=\"photos/2024/2007_000452.jpg\""), xml.prefix(2000).description)

        let outside = try CLI.temporaryFolder()
        let refused = try CLI.run([
            "label", CLI.samples + "/images", "--out", outside, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
            "--export", "coco", "--export-root", root,
        ])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("does not hold"), refused.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "refused before anything is written")
    }

    func testTheLabelStudioConfigMatchesThePredictionsNames() throws {
        let run = try CLI.run(["export", "labelstudio-config", "--classes", "person, car"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(
            run.stdout,
            """
            <View>
              <Image name="image" value="$image" zoom="true"/>
              <BrushLabels name="label" toName="image">
                <Label value="person" background="#800000"/>
                <Label value="car" background="#008000"/>
              </BrushLabels>
            </View>

            """)
        let bad = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--export", "coco"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("give --out"), bad.stderr)
        let unknown = try CLI.run(["label", CLI.samples + "/images", "--out", try CLI.temporaryFolder(), "--export", "yolo"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("coco"), unknown.stderr)
    }

    /// `--format npy` and `--mask-per-class`, read back with NumPy and Pillow as users' scripts do.
    func testNPYLabelMapsAndPerClassMasksOpenInNumPyAndExportAlike() throws {
        try Prerequisite.annotationTools.require()
        let out = try CLI.temporaryFolder()
        let arguments = [
            "label", CLI.samples + "/images", "--out", out, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--format",
            "npy",
            "--mask-per-class", "--export", "coco",
        ]
        let run = try CLI.run(arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        // The same run's palette PNGs, to compare with.
        let pngs = try CLI.temporaryFolder()
        let png = try CLI.run([
            "label", CLI.samples + "/images", "--out", pngs, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
        ])
        XCTAssertEqual(png.status, 0, png.stderr)
        let script = """
            import json, os, sys
            import numpy as np
            from PIL import Image
            out, labels = sys.argv[1], sys.argv[2]
            result = {}
            for name in sorted(n for n in os.listdir(labels) if n.endswith(".png")):
                stem = name[:-4]
                a = np.load(os.path.join(out, stem + ".npy"))
                truth = np.array(Image.open(os.path.join(labels, name)))
                masks = sorted(os.listdir(os.path.join(out, stem + ".masks")))
                ok = a.dtype == np.uint8 and np.array_equal(a, truth)
                for mask in masks:
                    m = np.array(Image.open(os.path.join(out, stem + ".masks", mask)))
                    ok = ok and set(np.unique(m)) <= {0, 255} and np.array_equal(m == 255, a == int(mask.split("-")[0]))
                result[stem] = {"ok": bool(ok), "masks": masks}
            print(json.dumps(result))
            """
        let numpy = try CLI.run("/usr/bin/env", ["python3", "-c", script, out, pngs])
        XCTAssertEqual(numpy.status, 0, numpy.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(numpy.stdout.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(result.count, 3)
        for (stem, entry) in result { XCTAssertEqual(entry["ok"] as? Bool, true, "\(stem): \(entry)") }
        XCTAssertEqual(result["2007_000452"]?["masks"] as? [String], ["0-background.png", "18-sofa.png", "9-chair.png"])
        // The exports read the .npy maps back.
        XCTAssertEqual(try check("coco", out, vocabulary: try Vocabulary.load("pascal-voc"))["regions"], 4)
        // --resume knows .npy maps as finished.
        let again = try CLI.run(arguments + ["--resume"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("3 images already labeled"), again.stderr)
    }

    /// `--polygons` at the default tolerance: every class keeps at least 98% IoU over the dev set
    /// (pycocotools rasterizes the polygons), CVAT's polygons read by datumaro, Label Studio's in percent.
    func testPolygonsKeepNinetyEightPercentIoUPerClassOnTheDevSet() throws {
        let dev = try TestPaths.requireVOCDev()
        try Prerequisite.annotationTools.require()
        try Prerequisite.datumaro.require()
        let out = try CLI.temporaryFolder()
        let run = try CLI.run(["eval", "--dataset", dev, "--engine", "oracle", "--quiet", "--out", out, "--export", "all", "--polygons"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let voc = try Vocabulary.load("pascal-voc")
        let coco = try check("coco", out, vocabulary: voc)
        XCTAssertEqual(coco["images"], 290)
        XCTAssertGreaterThanOrEqual(coco["min_class_iou_permille"] ?? 0, 980, "\(coco)")
        XCTAssertEqual(try check("cvat", out, vocabulary: voc, root: dev + "/images")["regions"], coco["regions"])
        let tasks = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/labelstudio.json"))) as? [[String: Any]])
        XCTAssertEqual(tasks.count, 290)
        for task in tasks.prefix(20) {
            let regions = try XCTUnwrap((task["predictions"] as? [[String: Any]])?.first?["result"] as? [[String: Any]])
            for region in regions {
                XCTAssertEqual(region["type"] as? String, "polygonlabels")
                let points = try XCTUnwrap((region["value"] as? [String: Any])?["points"] as? [[Double]])
                XCTAssertGreaterThanOrEqual(points.count, 3)
                XCTAssertTrue(points.allSatisfy { $0.count == 2 && (0...100).contains($0[0]) && (0...100).contains($0[1]) })
            }
        }
        let config = try CLI.run(["export", "labelstudio-config", "--polygons"])
        XCTAssertTrue(config.stdout.contains("<PolygonLabels name=\"label\" toName=\"image\">"), config.stdout)
        let stray = try CLI.run(["eval", "--dataset", dev, "--engine", "oracle", "--out", out, "--polygon-tolerance", "1"])
        XCTAssertEqual(stray.status, 64)
        XCTAssertTrue(stray.stderr.contains("applies only with --polygons"), stray.stderr)
    }

    /// An engine with scores (embedded) gives each Label Studio region the class's mean score,
    /// and the prediction their mean; the oracle, without scores, gives none.
    func testLabelStudioRegionsCarryTheEnginesScores() throws {
        try Prerequisite.models.require()
        let out = try CLI.temporaryFolder()
        let image = CLI.samples + "/images/2007_000033.jpg"
        let run = try CLI.run(["label", image, "--out", out, "--engine", "embedded", "--export", "labelstudio", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let classes = try XCTUnwrap(line["classes"] as? [[String: Any]])
        let byID = Dictionary(
            classes.compactMap { c in (c["id"] as? Int).map { ($0, c["score"] as? Double) } }, uniquingKeysWith: { a, _ in a })
        let tasks = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/labelstudio.json"))) as? [[String: Any]])
        let prediction = try XCTUnwrap((tasks.first?["predictions"] as? [[String: Any]])?.first)
        let regions = try XCTUnwrap(prediction["result"] as? [[String: Any]])
        XCTAssertFalse(regions.isEmpty)
        let voc = try Vocabulary.load("pascal-voc")
        var scores: [Double] = []
        for region in regions {
            let name = try XCTUnwrap(((region["value"] as? [String: Any])?["brushlabels"] as? [String])?.first)
            let score = try XCTUnwrap(region["score"] as? Double, "\(region)")
            XCTAssertTrue((0...1).contains(score), "\(score)")
            // The same number --json prints for the class.
            XCTAssertEqual(score, try XCTUnwrap(byID[try XCTUnwrap(voc.class(named: name)?.id)] ?? nil), accuracy: 1e-12)
            scores.append(score)
        }
        XCTAssertEqual(try XCTUnwrap(prediction["score"] as? Double), scores.reduce(0, +) / Double(scores.count), accuracy: 1e-12)
        let oracle = try CLI.run([
            "label", image, "--out", try CLI.temporaryFolder(), "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--json",
        ])
        XCTAssertFalse(oracle.stdout.contains("\"score\""), oracle.stdout)
    }

    /// A real Label Studio (PyPI's, started on a free port with local-files serving) imports the
    /// brush and the polygon tasks as they are: every task, prediction and region, unchanged,
    /// each image served from the export root (scripts/labelstudio_import.py).
    func testARealLabelStudioImportsTheTasksAndServesTheImages() throws {
        try Prerequisite.labelStudio.require()
        let out = try CLI.temporaryFolder()
        var arguments = [TestPaths.packageRoot + "/scripts/labelstudio_import.py", CLI.samples, "images"]
        for (name, extra) in [("brush", [String]()), ("polygons", ["--polygons"])] {
            let folder = out + "/" + name
            let run = try CLI.run(
                [
                    "label", CLI.samples + "/images", "--out", folder, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
                    "--export", "labelstudio", "--export-root", CLI.samples,
                ] + extra)
            XCTAssertEqual(run.status, 0, run.stderr)
            let config = try CLI.run(["export", "labelstudio-config"] + extra)
            XCTAssertEqual(config.status, 0, config.stderr)
            try config.stdout.write(toFile: folder + "/config.xml", atomically: true, encoding: .utf8)
            arguments += [folder + "/labelstudio.json", folder + "/config.xml"]
        }
        let run = try CLI.run(Prerequisite.labelStudioPython, arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Int]
        }
        XCTAssertEqual(lines.count, 2, run.stdout)
        for line in lines {
            XCTAssertEqual(line["tasks"], 3)
            XCTAssertEqual(line["predictions"], 3)
            XCTAssertEqual(line["images_served"], 3)
        }
        XCTAssertEqual(lines.first?["regions"], 4, "aeroplane; sofa and chair; car")
        XCTAssertGreaterThanOrEqual(lines.last?["regions"] ?? 0, 4)
    }

    /// Shards sharing one `--out` write their own export files, image paths alike.
    func testShardsWriteTheirOwnExportFiles() throws {
        let out = try CLI.temporaryFolder()
        for index in 0..<2 {
            let run = try CLI.run([
                "eval", "--dataset", CLI.samples, "--engine", "oracle", "--quiet", "--out", out, "--export", "coco", "--shard",
                "\(index)/2",
            ])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        var names: [String] = []
        for index in 0..<2 {
            let path = out + "/coco.shard-\(index)-of-2.json"
            let coco = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            names += (coco["images"] as? [[String: Any]])?.compactMap { $0["file_name"] as? String } ?? []
        }
        XCTAssertEqual(names.sorted(), ["2007_000033.jpg", "2007_000452.jpg", "2007_001321.jpg"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/coco.json"))
    }
}
