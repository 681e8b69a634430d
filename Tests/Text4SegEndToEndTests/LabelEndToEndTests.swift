import Foundation
import Text4SegModels
import Text4SegTestSupport
import XCTest

final class LabelEndToEndTests: XCTestCase {
    func testLabelsSampleImagesWithPalettePNGsThatPillowReads() throws {
        try Prerequisite.pythonImaging.require()
        let out = try CLI.temporaryFolder()
        let images = ["2007_000033", "2007_000452", "2007_001321"].map { CLI.samples + "/images/\($0).jpg" }
        let result = try CLI.run(
            ["label"] + images + [
                "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--out", out, "--overlay", "--descriptors",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        for id in ["2007_000033", "2007_000452", "2007_001321"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(id).png"))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(id).overlay.png"))
            let text = try String(contentsOfFile: "\(out)/\(id).txt", encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("Sure, the segmentation mask is:\n<seg>"), text)
        }
        // No temporary files are left behind by the atomic writes.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }, [])

        // Pillow sees mode P, the VOC palette, and indices that are class ids mostly matching the ground truth.
        let check = """
            import sys
            import numpy as np
            from PIL import Image
            def voc(i):
                r = g = b = 0
                for s in range(7, -1, -1):
                    r |= (i & 1) << s; g |= ((i >> 1) & 1) << s; b |= ((i >> 2) & 1) << s; i >>= 3
                return [r, g, b]
            want = sum((voc(i) for i in range(256)), [])
            out, labels = sys.argv[1], sys.argv[2]
            for stem in ["2007_000033", "2007_000452", "2007_001321"]:
                im = Image.open(f"{out}/{stem}.png")
                assert im.mode == "P", im.mode
                assert im.getpalette()[:768] == want, "palette differs"
                pred = np.array(im)
                gt = np.array(Image.open(f"{labels}/{stem}.png"))
                assert pred.shape == gt.shape
                assert set(np.unique(pred)) <= set(np.unique(gt)) | {0}, (np.unique(pred), np.unique(gt))
                valid = gt != 255
                agree = (pred[valid] == gt[valid]).mean()
                assert agree > 0.85, agree
                overlay = Image.open(f"{out}/{stem}.overlay.png")
                # The overlay is the image with a legend panel on its right.
                assert overlay.mode == "RGB" and overlay.size[0] > im.size[0] and overlay.size[1] >= im.size[1], overlay.size
            print("ok")
            """
        let python = try CLI.python(check, [out, CLI.samples + "/labels"])
        XCTAssertEqual(
            python.status, 0, python.stderr + python.stdout + " (the tests need python3 with numpy and Pillow; .ci/run installs them)")
        XCTAssertEqual(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }

    func testLabelReadBackByPillowHasTheSameIndicesAsTheDecodedGrid() throws {
        try Prerequisite.pythonImaging.require()
        let out = try CLI.temporaryFolder()
        let answer = "Sure, the segmentation mask is:\n<seg>others *2| cat *1\n TV *3\n</seg>"
        try answer.write(toFile: out + "/answer.txt", atomically: true, encoding: .utf8)
        let decode = try CLI.run([
            "descriptors", "decode", out + "/answer.txt", "--grid", "3", "--size", "3x3", "--view", "3", "--out", out + "/map.png",
        ])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertTrue(decode.stderr.contains("3 rows") || decode.stderr.contains("2 rows"), decode.stderr)
        let python = try CLI.python(
            "import numpy as np; from PIL import Image; im = Image.open(__import__('sys').argv[1]); print(im.mode, "
                + "np.array(im).ravel().tolist())",
            [out + "/map.png"])
        XCTAssertEqual(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "P [0, 0, 8, 20, 20, 20, 20, 20, 20]", python.stderr)
    }

    func testAFailedImageIsReportedAndTheOthersAreStillWritten() throws {
        let out = try CLI.temporaryFolder()
        let broken = out + "/broken.jpg"
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.samples + "/images/2007_000452.jpg"))
        try data.prefix(5000).write(to: URL(fileURLWithPath: broken))
        let result = try CLI.run([
            "label", broken, CLI.samples + "/images/2007_000033.jpg", "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
            "--out", out + "/labels",
        ])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("broken.jpg: truncated image"), result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/labels/2007_000033.png"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/labels/broken.png"))
    }

    func testUnknownEngineAndUnknownVocabularyAreClearErrors() throws {
        let badEngine = try CLI.run(["label", CLI.samples + "/images/2007_000033.jpg", "--engine", "gpt", "--out", "/tmp/unused"])
        XCTAssertNotEqual(badEngine.status, 0)
        XCTAssertTrue(badEngine.stderr.contains("The value 'gpt' is invalid for '--engine <engine>'"), badEngine.stderr)
        let badVocab = try CLI.run([
            "label", CLI.samples + "/images/2007_000033.jpg", "--engine", "oracle", "--vocab", "klingon", "--out", "/tmp/unused",
        ])
        XCTAssertNotEqual(badVocab.status, 0)
        XCTAssertTrue(badVocab.stderr.contains("no vocabulary named 'klingon'"), badVocab.stderr)
    }

    /// The main job: no --engine means the embedded engine, offline, after `models install`.
    func testLabelWithoutAnEngineUsesTheEmbeddedOne() throws {
        try Prerequisite.models.require()
        try Prerequisite.pythonImaging.require()
        let out = try CLI.temporaryFolder()
        let images = ["2007_000033", "2007_000452", "2007_001321"].map { CLI.samples + "/images/\($0).jpg" }
        let result = try CLI.run(["label"] + images + ["--out", out])
        XCTAssertEqual(result.status, 0, result.stderr + " (needs `text4seg models install`)")
        // The aeroplane image: a good share of the ground truth's aeroplane is labeled aeroplane.
        let check = """
            import sys, numpy as np
            from PIL import Image
            pred = np.array(Image.open(sys.argv[1])); gt = np.array(Image.open(sys.argv[2]))
            plane = gt == 1
            print(round(float((pred[plane] == 1).mean()), 3), round(float((pred[gt == 0] == 0).mean()), 3))
            """
        let python = try CLI.python(check, [out + "/2007_000033.png", CLI.samples + "/labels/2007_000033.png"])
        let parts = python.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(parts.count, 2, python.stderr)
        XCTAssertGreaterThan(parts[0], 0.6, "aeroplane recall")
        XCTAssertGreaterThan(parts[1], 0.5, "background kept")
    }
}

/// `label` given folders, and what it writes besides label maps.
final class LabelInputsEndToEndTests: XCTestCase {
    func testFoldersAreLabeledWithRelativePathsKeptAndScoresSaved() throws {
        let folder = try CLI.temporaryFolder(), out = folder + "/out"
        let fm = FileManager.default
        for sub in ["a", "b"] { try fm.createDirectory(atPath: folder + "/in/" + sub, withIntermediateDirectories: true) }
        try fm.copyItem(atPath: CLI.samples + "/images/2007_000033.jpg", toPath: folder + "/in/a/2007_000033.jpg")
        try fm.copyItem(atPath: CLI.samples + "/images/2007_000033.jpg", toPath: folder + "/in/b/2007_000033.jpg")
        try fm.copyItem(atPath: CLI.samples + "/images/2007_001321.jpg", toPath: folder + "/in/2007_001321.jpg")
        let common = ["label", folder + "/in", "--out", out, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--quiet"]
        let flat = try CLI.run(common)
        XCTAssertEqual(flat.status, 0, flat.stderr)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: out).sorted(), ["2007_001321.png"], "subfolders need --recursive")
        let deep = try CLI.run(common + ["--recursive", "--descriptors", "--save-scores", folder + "/scores"])
        XCTAssertEqual(deep.status, 0, deep.stderr)
        for path in ["a/2007_000033.png", "b/2007_000033.png", "a/2007_000033.txt", "2007_001321.png"] {
            XCTAssertTrue(fm.fileExists(atPath: out + "/" + path), path)
        }
        XCTAssertTrue(deep.stderr.contains("engine oracle gives labels, not per-class scores: --save-scores writes nothing"), deep.stderr)
        // The same two files given by path would collide: refused before anything is written.
        let clash = try CLI.run(["label", folder + "/in/a/2007_000033.jpg", folder + "/in/b/2007_000033.jpg", "--out", folder + "/o2"])
        XCTAssertEqual(clash.status, 64)
        XCTAssertTrue(clash.stderr.contains("give their folder instead"), clash.stderr)
        XCTAssertFalse(fm.fileExists(atPath: folder + "/o2"))
    }

    /// The embedded engine's scores as .npy that numpy reads, and its grid as descriptors.
    func testTheEmbeddedEngineSavesScoresNumpyReadsAndItsGridAsDescriptors() throws {
        try Prerequisite.models.require()
        try Prerequisite.pythonImaging.require()
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run([
            "label", CLI.samples + "/images/2007_000033.jpg", "--out", folder + "/out", "--descriptors", "--save-scores", folder + "/s",
            "--quiet",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let check = """
            import json, sys, numpy as np
            a = np.load(sys.argv[1] + ".npy"); meta = json.load(open(sys.argv[1] + ".json"))
            assert a.dtype == np.float32 and a.ndim == 3 and list(a.shape) == meta["shape"], (a.shape, meta)
            assert len(meta["classes"]) == a.shape[0] and np.isfinite(a).all()
            print("ok", a.shape[1], a.shape[2])
            """
        let python = try CLI.python(check, [folder + "/s/2007_000033"])
        XCTAssertEqual(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok 24 24", python.stderr)
        let text = try String(contentsOfFile: folder + "/out/2007_000033.txt", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("Sure, the segmentation mask is:\n<seg>") && text.hasSuffix("</seg>"), text)
    }
}

/// The embedded engine's class texts are encoded once and read back from the cache on later runs.
final class TextEmbeddingCacheEndToEndTests: XCTestCase {
    func testASecondRunReadsTheClassTextsFromTheCacheAndLabelsAlike() throws {
        try Prerequisite.models.require()
        let folder = try CLI.temporaryFolder()
        // A cache of its own (the weights are linked from the installed store), so the first run starts cold.
        let store = ModelStore()
        let cache = folder + "/cache"
        try FileManager.default.createDirectory(atPath: cache + "/text4seg", withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: store.folder) where name != "text-embeddings" {
            try FileManager.default.createSymbolicLink(atPath: cache + "/text4seg/" + name, withDestinationPath: store.folder + "/" + name)
        }
        let image = CLI.samples + "/images/2007_000033.jpg"
        let common = ["label", image, "--vocab", "coco-stuff-171", "--quiet"]
        let first = try CLI.run(common + ["--out", folder + "/a"], environment: ["XDG_CACHE_HOME": cache])
        XCTAssertEqual(first.status, 0, first.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache + "/text4seg/text-embeddings").filter { $0.hasSuffix(".emb") }
        XCTAssertGreaterThan(files.count, 300, "COCO-Stuff's names and synonyms are cached")
        let dates = try files.map {
            try FileManager.default.attributesOfItem(atPath: cache + "/text4seg/text-embeddings/" + $0)[.modificationDate] as? Date
        }
        let second = try CLI.run(common + ["--out", folder + "/b"], environment: ["XDG_CACHE_HOME": cache])
        XCTAssertEqual(second.status, 0, second.stderr)
        let after = try files.map {
            try FileManager.default.attributesOfItem(atPath: cache + "/text4seg/text-embeddings/" + $0)[.modificationDate] as? Date
        }
        XCTAssertEqual(dates, after, "the second run only read the cache")
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: folder + "/a/2007_000033.png")),
            try Data(contentsOf: URL(fileURLWithPath: folder + "/b/2007_000033.png")), "cached vectors give the same labels")
    }
}
