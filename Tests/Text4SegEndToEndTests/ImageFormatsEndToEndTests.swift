import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// WebP and TIFF inputs as a user gives them to `label` (issue 20): the same pixels in
/// another format label the same, and a folder's other files are named once, not labeled.
final class ImageFormatsEndToEndTests: XCTestCase {
    /// A dev image written by Pillow as PNG, lossless WebP and TIFF, each in its own folder
    /// under the same stem (the oracle looks up `<stem>.png` in the ground truth).
    private func copies(of id: String) throws -> (folder: String, images: [String]) {
        try Prerequisite.pythonImaging.require()
        let folder = try CLI.temporaryFolder()
        let script = """
            import sys
            from PIL import Image
            source, folder, stem = sys.argv[1:4]
            im = Image.open(source).convert("RGB")
            im.save(f"{folder}/png/{stem}.png")
            im.save(f"{folder}/webp/{stem}.webp", lossless=True)
            im.save(f"{folder}/tiff/{stem}.tif", compression="tiff_lzw")
            """
        for format in ["png", "webp", "tiff"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + format, withIntermediateDirectories: true)
        }
        let run = try CLI.python(script, [TestPaths.voc12 + "/images/\(id).jpg", folder, id])
        XCTAssertEqual(run.status, 0, run.stderr)
        return (folder, [folder + "/png/\(id).png", folder + "/webp/\(id).webp", folder + "/tiff/\(id).tif"])
    }

    func testWebPAndTIFFCopiesLabelLikeThePNGCopyWithEveryEngine() throws {
        try Prerequisite.models.require()
        let (folder, images) = try copies(of: "2007_000033")
        // openai: a local server that answers from the ground truth of the image it recognizes;
        // replay: that answer recorded once.
        let server = try StubServer(dataset: TestPaths.voc12, [])
        defer { server.stop() }
        let answers = folder + "/answers"
        let record = try CLI.run([
            "label", TestPaths.voc12 + "/images/2007_000033.jpg", "--out", folder + "/recorded", "--engine", "openai", "--base-url",
            server.baseURL, "--descriptors",
        ])
        XCTAssertEqual(record.status, 0, record.stderr)
        try FileManager.default.createDirectory(atPath: answers, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder + "/recorded/2007_000033.txt", toPath: answers + "/2007_000033.txt")
        let engines: [(name: String, arguments: [String])] = [
            ("openai", ["--engine", "openai", "--base-url", server.baseURL]),
            ("replay", ["--engine", "replay", "--replay", answers]),
            ("oracle", ["--engine", "oracle", "--ground-truth", TestPaths.voc12 + "/labels"]),
            ("embedded", ["--engine", "embedded"]),
            (
                "clip",
                [
                    "--engine", "clip", "--model-dir", TestPaths.clipTiny, "--clip-short-side", "64", "--clip-window", "32",
                    "--clip-stride", "16",
                ]
            ),
        ]
        for engine in engines {
            var maps: [LabelMap] = []
            for (n, image) in images.enumerated() {
                let out = folder + "/out-\(engine.name)-\(n)"
                let run = try CLI.run(["label", image, "--out", out] + engine.arguments)
                XCTAssertEqual(run.status, 0, "\(engine.name) \(image): \(run.stderr)")
                maps.append(try ImageIO.readLabelMap(out + "/2007_000033.png"))
            }
            XCTAssertEqual(maps[0].width, 500, engine.name)
            XCTAssertEqual(maps[0].height, 366, engine.name)
            XCTAssertEqual(maps[1], maps[0], "\(engine.name): the WebP copy labels like the PNG copy")
            XCTAssertEqual(maps[2], maps[0], "\(engine.name): the TIFF copy labels like the PNG copy")
        }
    }

    func testAFolderNamesTheFilesItSkipsOnceAndLabelsItsImages() throws {
        let (folder, images) = try copies(of: "2007_000033")
        let mixed = folder + "/mixed"
        try FileManager.default.createDirectory(atPath: mixed, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: images[1], toPath: mixed + "/2007_000033.webp")
        let second = try copies(of: "2007_000452")
        try FileManager.default.copyItem(atPath: second.images[2], toPath: mixed + "/2007_000452.TIFF")
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: mixed + "/clip.gif"))
        try Data([0, 0, 0, 0x18] + Array("ftypheic".utf8)).write(to: URL(fileURLWithPath: mixed + "/phone.heic"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: mixed + "/README.txt"))
        let out = folder + "/out"
        let run = try CLI.run(["label", mixed, "--out", out, "--engine", "oracle", "--ground-truth", TestPaths.voc12 + "/labels"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let notes = run.stderr.split(separator: "\n").filter { $0.contains("skipped") }
        XCTAssertEqual(notes, ["note: skipped 3 files that are not images: 1 .gif, 1 .heic, 1 .txt"], run.stderr)
        for id in ["2007_000033", "2007_000452"] {
            let map = try ImageIO.readLabelMap(out + "/\(id).png")
            let truth = try ImageIO.readLabelMap(TestPaths.voc12 + "/labels/\(id).png")
            XCTAssertEqual([map.width, map.height], [truth.width, truth.height], id)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["2007_000033.png", "2007_000452.png"])

        // Given by name, a file that is not an image says what it looks like.
        let heic = try CLI.run(["label", mixed + "/phone.heic", "--out", out, "--engine", "oracle"])
        XCTAssertNotEqual(heic.status, 0)
        XCTAssertTrue(heic.stderr.contains("phone.heic: not a JPEG, PNG, WebP or TIFF file (it looks like HEIC/HEIF)"), heic.stderr)
    }
}
