import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegTestSupport
import XCTest

/// Outputs planned as one set, inputs protected, folder walks that end.
final class OutputPlanTests: XCTestCase {
    func write(_ path: String, _ text: String = "x") throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    func testEntriesAreTheSameFileWhateverPathNamesThem() throws {
        let folder = try TestPaths.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/a")
        XCTAssertEqual(FileEntry(folder + "/a/x.png"), FileEntry(folder + "/link/x.png"))
        XCTAssertEqual(FileEntry(folder + "/a/./x.png"), FileEntry(folder + "/a/../a/x.png"))
        // Folders that do not exist yet keep their names below the deepest one that does.
        XCTAssertEqual(FileEntry(folder + "/link/new/deeper/x.png").path, FileEntry(folder + "/a").path + "/new/deeper/x.png")
        XCTAssertNotEqual(FileEntry(folder + "/a/x.png"), FileEntry(folder + "/a/y.png"))
    }

    func testCollisionsAndInputsAreRefusedNamingBothPaths() throws {
        let folder = try TestPaths.temporaryFolder()
        try write(folder + "/photo.png")
        var plan = OutputPlan()
        try plan.add(folder + "/a.overlay.png", for: "a.jpg")
        XCTAssertThrowsError(try plan.add(folder + "/./a.overlay.png", for: "a.overlay.jpg")) { error in
            guard case let OutputPlanError.collision(_, first, second, _)? = error as? OutputPlanError else { return XCTFail("\(error)") }
            XCTAssertEqual([first, second], ["a.jpg", "a.overlay.jpg"])
        }
        let inputs = ProtectedInputs()
        inputs.protect(folder + "/photo.png")
        inputs.protect(folder + "/missing.png")  // no file: nothing to protect
        try plan.add(folder + "/photo.png", for: "photo.png")
        XCTAssertThrowsError(try plan.check(against: inputs)) { error in
            XCTAssertEqual(error as? OutputPlanError, .replacesInput(output: folder + "/photo.png", input: folder + "/photo.png"))
        }
        XCTAssertNil(inputs.input(replacedBy: folder + "/missing.png"))
    }

    func testALinkedInputProtectsItsTargetToo() throws {
        let folder = try TestPaths.temporaryFolder()
        try write(folder + "/real.png")
        try FileManager.default.createSymbolicLink(atPath: folder + "/alias.png", withDestinationPath: "real.png")
        let inputs = ProtectedInputs()
        inputs.protect(folder + "/alias.png")
        XCTAssertEqual(inputs.input(replacedBy: folder + "/real.png"), folder + "/alias.png")
        XCTAssertEqual(inputs.input(replacedBy: folder + "/alias.png"), folder + "/alias.png")
    }

    func testAtomicWritesRefuseAProtectedInputWhateverTheCallerPlanned() throws {
        let folder = try TestPaths.temporaryFolder()
        let path = folder + "/ground-truth.png"
        try write(path, "truth")
        ProtectedInputs.shared.protect(path)
        defer { ProtectedInputs.shared.removeAll() }
        XCTAssertThrowsError(try AtomicFile.write("label map", to: path)) { error in
            XCTAssertEqual(error as? OutputPlanError, .replacesInput(output: path, input: path))
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "truth")
        try AtomicFile.write("other", to: folder + "/other.png")
    }

    func testWalksVisitEachFolderAndFileOnceAndSkipOutputFolders() throws {
        let folder = try TestPaths.temporaryFolder()
        let fm = FileManager.default
        for sub in ["sub", "out"] { try fm.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true) }
        for name in ["a.jpg", "sub/b.png", "out/a.png", "notes.txt"] { try write(folder + "/" + name) }
        try fm.createSymbolicLink(atPath: folder + "/sub/l1", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: folder + "/sub/l2", withDestinationPath: "..")
        try fm.createSymbolicLink(atPath: folder + "/c.jpg", withDestinationPath: "a.jpg")
        try fm.createSymbolicLink(atPath: folder + "/dangling.jpg", withDestinationPath: "nowhere.jpg")
        var walk = ImageFolderWalk(recursive: true, excluding: [folder + "/out"])
        let found = try walk.images(in: folder)
        XCTAssertEqual(found.map(\.name), ["a", "sub/b"])
        XCTAssertEqual(walk.duplicates, 3, "c.jpg (a.jpg again), sub/l1 and sub/l2 (the folder again)")
        var flat = ImageFolderWalk(recursive: false)
        XCTAssertEqual(try flat.images(in: folder).map(\.name), ["a"])
    }

    func testWalksCountTheFilesTheySkipByExtension() throws {
        let folder = try TestPaths.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        let names = [
            "a.webp", "b.TIF", "c.tiff", "d.heic", "sub/e.HEIC", "f.gif", "README", "notes.txt", ".DS_Store", "sub/g.gif", "h.Png",
        ]
        for name in names { try write(folder + "/" + name) }
        var walk = ImageFolderWalk(recursive: true)
        XCTAssertEqual(try walk.images(in: folder).map(\.name), ["a", "b", "c", "h"])
        XCTAssertEqual(walk.skipped, ["heic": 2, "gif": 2, "txt": 1, "": 1])
        XCTAssertEqual(walk.skippedSummary, "skipped 6 files that are not images: 2 .gif, 2 .heic, 1 .txt, 1 no extension")
        var flat = ImageFolderWalk(recursive: false)
        _ = try flat.images(in: folder + "/sub")
        XCTAssertEqual(flat.skippedSummary, "skipped 2 files that are not images: 1 .gif, 1 .heic")
        let single = try TestPaths.temporaryFolder()
        for name in ["i.bmp", "j.jpeg"] { try write(single + "/" + name) }
        var one = ImageFolderWalk(recursive: false)
        _ = try one.images(in: single)
        XCTAssertEqual(one.skippedSummary, "skipped 1 file that is not an image: 1 .bmp")
        XCTAssertNil(ImageFolderWalk(recursive: false).skippedSummary)
    }

    func testLimitsAndServerSettingsHaveOneValidationPath() throws {
        for (key, value) in [("max_pixels", -1.0), ("max_pixels", 0), ("max_refine_pixels", 4095), ("concurrency", 1025)] {
            XCTAssertThrowsError(try LimitSettings.defaults.applying([key: .number(value)]), "\(key) \(value)") { error in
                guard case .outOfRange? = (error as? SettingsError)?.problem else { return XCTFail("\(error)") }
            }
        }
        let limits = try LimitSettings.defaults.applying(["max_pixels": .number(5e7), "concurrency": .number(3)])
        XCTAssertEqual(limits.maxPixels, 50_000_000)
        XCTAssertEqual(limits.concurrency, 3)
        XCTAssertEqual(LimitSettings.flag(for: "max_pixels"), "--max-pixels")
        XCTAssertEqual(ServerSettings.flag(for: "base_url"), "--base-url")

        let server = try ServerSettings.defaults.applying([
            "stop": .list(["</s>", "USER:"]), "seed": .number(7), "image_format": .text("jpeg"), "timeout": .number(30),
        ])
        XCTAssertEqual(server.stop, ["</s>", "USER:"])
        XCTAssertEqual(server.seed, 7)
        XCTAssertEqual(server.imageFormat, .jpeg)
        let settings = OpenAISettings(server, connections: 4, apiKey: nil)
        XCTAssertEqual(settings.requestTimeout, 30)
        XCTAssertEqual(settings.retry.maximumRetries, 6)
        XCTAssertThrowsError(try ServerSettings.defaults.applying(["seed": .text("seven")]))
        XCTAssertThrowsError(try ServerSettings.defaults.applying(["jpeg_quality": .number(0)]))
        XCTAssertThrowsError(try ServerSettings.defaults.applying(["image_format": .text("gif")]))
        XCTAssertThrowsError(try ServerSettings.defaults.applying(["model": .list(["a", "b"])]))
    }

    func testDecodersKeepAPixelLimitWhateverTheyAreGiven() throws {
        // A 2×2 PNG under a limit of 0 or −1: clamped to 1 pixel, so refused instead of unbounded.
        let png = try PNGCodec.encodeRGB(RGBImage(width: 2, height: 2, pixels: [UInt8](repeating: 0, count: 12)))
        for limit in [0, -1] {
            XCTAssertThrowsError(try PNGCodec.readRGB(png, maxPixels: limit), "\(limit)")
        }
    }
}
