import Foundation
import Text4SegTestSupport
import XCTest

/// The reproductions of the robustness report, run against the real executable: each ends
/// with a clear message and a documented exit status, the batch's other items are still
/// written, and nothing outside the given folders is touched.
final class HostileInputEndToEndTests: XCTestCase {
    let image = CLI.samples + "/images/2007_000033.jpg"

    func timed(_ arguments: [String], environment: [String: String] = [:]) throws -> (CLI.Result, Double) {
        let start = Date()
        let result = try CLI.run(arguments, environment: environment)
        return (result, Date().timeIntervalSince(start))
    }

    func testAStalledOrTricklingServerIsBoundedByTimeout() throws {
        for mode in ["stall", "trickle"] {
            let server = try StubServer.hostile(mode)
            defer { server.stop() }
            let out = try CLI.temporaryFolder()
            let (label, seconds) = try timed([
                "label", image, "--out", out, "--engine", "openai", "--base-url", server.baseURL,
                "--timeout", "2", "--retries", "0",
            ])
            XCTAssertEqual(label.status, 1, label.stderr)
            XCTAssertLessThan(seconds, 15, "\(mode): --timeout bounds the whole request")
            XCTAssertTrue(label.stderr.contains("no complete answer within --timeout 2 s"), label.stderr)
            let (eval, evalSeconds) = try timed([
                "eval", "--dataset", CLI.samples, "--limit", "2", "--engine", "openai", "--base-url", server.baseURL,
                "--timeout", "2", "--retries", "0", "--concurrency", "2",
            ])
            XCTAssertEqual(eval.status, 1, eval.stderr)
            XCTAssertLessThan(evalSeconds, 15)
        }
    }

    func testARefusedConnectionFailsFastWithAPlainMessage() throws {
        let out = try CLI.temporaryFolder()
        let (run, seconds) = try timed([
            "label", image, "--out", out, "--engine", "openai", "--base-url", "http://127.0.0.1:1/v1", "--retries", "2",
        ])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertLessThan(seconds, 8, "three refused attempts with short backoff, not three connect timeouts")
        XCTAssertTrue(run.stderr.contains("gave up after 3 attempts: connection refused by 127.0.0.1:1"), run.stderr)
        for line in run.stderr.split(separator: "\n") {
            XCTAssertEqual(line.filter { $0 == "(" }.count, line.filter { $0 == ")" }.count, "balanced parentheses: \(line)")
        }
    }

    func testHostileRunCountsAndCRLFAnswersDecodeWithoutTrapping() throws {
        let folder = try CLI.temporaryFolder()
        try "<seg>cat *1| dog *9223372036854775807\n</seg>".write(toFile: folder + "/a.txt", atomically: true, encoding: .utf8)
        let decode = try CLI.run(["descriptors", "decode", folder + "/a.txt", "--size", "500x366", "--out", folder + "/m.png"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertTrue(decode.stderr.contains("truncated"), decode.stderr)

        // The same answer among recorded ones: that item is repaired, the others score as usual.
        let answers = folder + "/answers"
        try FileManager.default.createDirectory(atPath: answers, withIntermediateDirectories: true)
        let ids = ["2007_000033", "2007_000452", "2007_001321"]
        for id in ids {
            let encoded = try CLI.run(["descriptors", "encode", CLI.samples + "/labels/\(id).png", "--answer"])
            let text =
                id == "2007_000452"
                ? "<seg>cat *1| dog *9223372036854775807\n</seg>" : encoded.stdout.replacingOccurrences(of: "\n", with: "\r\n")
            try text.write(toFile: answers + "/\(id).txt", atomically: true, encoding: .utf8)
        }
        let eval = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "replay", "--replay", answers, "--refine", "nearest", "--report",
            folder + "/r.json",
        ])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try CLI.json(folder + "/r.json")
        XCTAssertEqual(report["images"] as? Int, 3)
        XCTAssertEqual(report["repairedItems"] as? Int, 1, "CRLF answers need no repair; the hostile one does")
    }

    func testIdsCannotReadOrWriteOutsideTheDatasetAndOutputFolders() throws {
        let root = try CLI.temporaryFolder()
        let victim = root + "/victim", dataset = root + "/a/b"
        for folder in [victim, dataset + "/images", dataset + "/labels"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: image, toPath: victim + "/pwn.jpg")
        try FileManager.default.copyItem(atPath: CLI.samples + "/labels/2007_000033.png", toPath: victim + "/pwn.png")
        let before = try Data(contentsOf: URL(fileURLWithPath: victim + "/pwn.png"))
        try "../../victim/pwn\n".write(toFile: dataset + "/ids.txt", atomically: true, encoding: .utf8)
        let run = try CLI.run(["eval", "--dataset", dataset, "--engine", "oracle", "--out", dataset + "/../../victim/../a/preds"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("ids.txt:1: id '../../victim/pwn' is not a plain file name"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: victim + "/pwn.png")), before, "the victim's file is untouched")
    }

    func testAnImageBombFailsOnlyItsItem() throws {
        let folder = try CLI.temporaryFolder()
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: image))
        try JPEGBomb.make(jpeg).write(to: URL(fileURLWithPath: folder + "/bomb.jpg"))
        let out = folder + "/out"
        let run = try CLI.run([
            "label", folder + "/bomb.jpg", image, "--out", out, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels",
        ])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(
            run.stderr.contains("bomb.jpg: image is 65000×65000 (4225000000 pixels), over the limit of 100000000 pixels"), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/2007_000033.png"), "the other image is still labeled")
    }

    func testTheAPIKeyAppearsInNoOutputAndNoFile() throws {
        let key = "sk-test-4f9a1c77e0d2b38a"
        for mode in ["echo-key", "echo-401", "echo-200"] {
            let server = try StubServer.hostile(mode)
            defer { server.stop() }
            let folder = try CLI.temporaryFolder()
            let run = try CLI.run(
                [
                    "eval", "--dataset", CLI.samples, "--limit", "1", "--engine", "openai", "--base-url", server.baseURL, "--retries", "1",
                    "--report", folder + "/r.json", "--save-responses", folder + "/responses", "--out", folder + "/preds",
                ],
                environment: ["TEXT4SEG_API_KEY": key])
            XCTAssertNotEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.contains("[redacted]") || mode == "echo-200", "\(mode): \(run.stderr)")
            XCTAssertFalse(run.stdout.contains("4f9a1c77") || run.stderr.contains("4f9a1c77"), "\(mode): the key was printed")
            let files = FileManager.default.enumerator(atPath: folder)!.compactMap { $0 as? String }
            XCTAssertFalse(files.isEmpty)
            for file in files {
                let data = FileManager.default.contents(atPath: folder + "/" + file) ?? Data()
                XCTAssertNil(data.range(of: Data("4f9a1c77".utf8)), "\(mode): the key is in \(file)")
            }
        }
    }

    func testAnAnswerOverTheCapSaysSo() throws {
        let server = try StubServer.hostile("huge")
        defer { server.stop() }
        let out = try CLI.temporaryFolder()
        let run = try CLI.run(["label", image, "--out", out, "--engine", "openai", "--base-url", server.baseURL, "--retries", "0"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("answer larger than 64 MiB"), run.stderr)
    }

    func testResumeRefusesChangedSettingsAndNamesThem() throws {
        let folder = try CLI.temporaryFolder()
        let base = ["eval", "--dataset", CLI.samples, "--engine", "oracle", "--report", folder + "/r.json"]
        XCTAssertEqual(try CLI.run(base).status, 0)
        let changed = try CLI.run(base + ["--resume", "--watershed-margin", "0.5"])
        XCTAssertEqual(changed.status, 2, changed.stderr)
        XCTAssertTrue(changed.stderr.contains("refine.margin: was '0.34', now '0.5'"), changed.stderr)
        let otherRefiner = try CLI.run(base + ["--resume", "--refine", "nearest"])
        XCTAssertEqual(otherRefiner.status, 2)
        XCTAssertTrue(otherRefiner.stderr.contains("refine: was 'watershed', now 'nearest'"), otherRefiner.stderr)
        let same = try CLI.run(base + ["--resume"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.contains("resumed: 3 items"), same.stderr)

        // Engine settings count too: the model and max_tokens decide the answers.
        let openai = [
            "eval", "--dataset", CLI.samples, "--engine", "openai", "--base-url", "http://127.0.0.1:1/v1", "--retries", "0", "--report",
            folder + "/o.json",
        ]
        XCTAssertEqual(try CLI.run(openai).status, 1)
        let otherModel = try CLI.run(openai + ["--resume", "--model", "another", "--max-tokens", "100"])
        XCTAssertEqual(otherModel.status, 2)
        XCTAssertTrue(otherModel.stderr.contains("openai.max_tokens: was '3069', now '100'; openai.model"), otherModel.stderr)
        // Transport settings do not: a resumed run may need a longer timeout.
        XCTAssertEqual(try CLI.run(openai + ["--resume", "--timeout", "900"]).status, 1)
    }

    func testLabelRefusesNameCollisionsBeforeWritingAnything() throws {
        let folder = try CLI.temporaryFolder()
        for sub in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: image, toPath: folder + "/\(sub)/x.jpg")
        }
        let run = try CLI.run(["label", folder + "/a/x.jpg", folder + "/b/x.jpg", "--out", folder + "/o", "--engine", "oracle"])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("would all be written as \(folder)/o/x.png"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/o"))
    }

    func testOutOfRangeParametersAreUsageErrorsNotCrashes() throws {
        let folder = try CLI.temporaryFolder()
        try "<seg>cat *24\n</seg>".write(toFile: folder + "/a.txt", atomically: true, encoding: .utf8)
        let decode = ["descriptors", "decode", folder + "/a.txt", "--out", folder + "/m.png"]
        for (extra, message) in [
            (["--size", "10x10", "--view", "0"], "--view must be between 1 and 4096 (got 0)"),
            (["--size", "100000x100000"], "The value '100000x100000' is invalid for '--size <size>'"),
            (["--size", "60000x60000"], "more than --max-pixels"),
            (["--size", "10x10", "--grid", "100000"], "--grid must be between 1 and 512 (got 100000)"),
            (["--size", "10x-5"], "is invalid for '--size"),
        ] {
            let run = try CLI.run(decode + extra)
            XCTAssertEqual(run.status, 64, "\(extra): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(extra): \(run.stderr)")
        }
        for (extra, message) in [
            (["--grid", "100000"], "--grid must be between"), (["--concurrency", "0"], "--concurrency must be between"),
            (["--max-pixels", "0"], "--max-pixels must be between"), (["--retries=-1"], "--retries must be between"),
        ] {
            let run = try CLI.run(["label", image, "--out", folder + "/o", "--engine", "oracle"] + extra)
            XCTAssertEqual(run.status, 64, "\(extra): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(extra): \(run.stderr)")
        }
        let port = try CLI.run(["label", image, "--out", folder + "/o", "--engine", "openai", "--base-url", "http://127.0.0.1:99999/v1"])
        XCTAssertEqual(port.status, 2, port.stderr)
        XCTAssertTrue(port.stderr.contains("port 99999 is outside 1–65535"), port.stderr)
    }

    func testMessagesAndExitStatusesFollowOneScheme() throws {
        let folder = try CLI.temporaryFolder()
        // An empty dataset says so, rather than "mIoU 0.00".
        for sub in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: folder + "/empty/" + sub, withIntermediateDirectories: true)
        }
        let empty = try CLI.run(["eval", "--dataset", folder + "/empty", "--engine", "oracle"])
        XCTAssertEqual(empty.status, 2, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("lists no items"), empty.stderr)
        XCTAssertFalse(empty.stdout.contains("mIoU"))

        // A 5 MB label is quoted as a short excerpt.
        let long = String(repeating: "z", count: 5_000_000)
        try "<seg>\(long) *24\n</seg>".write(toFile: folder + "/long.txt", atomically: true, encoding: .utf8)
        let warned = try CLI.run(["descriptors", "decode", folder + "/long.txt", "--size", "10x10", "--out", folder + "/m.png"])
        XCTAssertEqual(warned.status, 0)
        XCTAssertLessThan(warned.stderr.utf8.count, 2000, "the warning quotes an excerpt")
        XCTAssertTrue(warned.stderr.contains("(1×)"), warned.stderr)

        // UTF-16 answers and folders given as vocabularies get their own messages, no usage screen.
        try "<seg>cat *24\n</seg>".data(using: .utf16)!.write(to: URL(fileURLWithPath: folder + "/u16.txt"))
        let utf16 = try CLI.run(["descriptors", "decode", folder + "/u16.txt", "--size", "10x10", "--out", folder + "/m.png"])
        XCTAssertEqual(utf16.status, 2)
        XCTAssertTrue(utf16.stderr.contains("is not UTF-8 text: it is UTF-16"), utf16.stderr)
        XCTAssertFalse(utf16.stderr.contains("Usage:"))
        let vocab = try CLI.run(["vocab", "show", folder])
        XCTAssertNotEqual(vocab.status, 0)
        XCTAssertTrue(vocab.stderr.contains("is a folder, not a file"), vocab.stderr)
        XCTAssertFalse(vocab.stderr.contains("NSCocoaErrorDomain"))

        // descriptors encode warns about values the vocabulary does not know.
        let stray = try CLI.run(["descriptors", "encode", CLI.samples + "/labels/2007_000033.png", "--vocab", folder + "/tiny.yaml"])
        XCTAssertEqual(stray.status, 2, "no such vocabulary file")
        try "name: tiny\nclasses:\n  - {id: 0, name: background, prompt: others}\n  - {id: 2, name: bicycle}\n".write(
            toFile: folder + "/tiny.yaml", atomically: true, encoding: .utf8)
        let warnedEncode = try CLI.run(["descriptors", "encode", CLI.samples + "/labels/2007_000033.png", "--vocab", folder + "/tiny.yaml"])
        XCTAssertEqual(warnedEncode.status, 0, warnedEncode.stderr)
        XCTAssertTrue(warnedEncode.stderr.contains("label values not in vocabulary tiny: 1 ("), warnedEncode.stderr)
    }

    func testResumeRemovesTemporaryFilesAKilledRunLeft() throws {
        let folder = try CLI.temporaryFolder()
        let out = folder + "/preds"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        // What a SIGKILL mid-write leaves: a temporary file of a process that is gone.
        let leftover = out + "/.2007_000033.png.999999.12345.tmp"
        try Data("partial".utf8).write(to: URL(fileURLWithPath: leftover))
        let run = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--out", out, "--report", folder + "/r.json", "--resume",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        XCTAssertTrue(run.stderr.contains("removed 1 temporary files"), run.stderr)
        let label = try CLI.run(["label", image, "--out", out, "--engine", "oracle", "--ground-truth", CLI.samples + "/labels", "--resume"])
        XCTAssertEqual(label.status, 0, label.stderr)
    }

    func testSIGTERMStopsALongImageWithinTwoSeconds() throws {
        try Prerequisite.pythonImaging.require()
        // One large image with a refinement made slow on purpose (no size cap, many CRF iterations).
        let folder = try CLI.temporaryFolder()
        let script = """
            import sys; from PIL import Image
            im = Image.open(sys.argv[1]).resize((3000, 2250)); im.save(sys.argv[2] + '/big.jpg', quality=90)
            Image.open(sys.argv[3]).resize((3000, 2250), Image.NEAREST).save(sys.argv[2] + '/big.png')
            """
        let made = try CLI.python(script, [image, folder, CLI.samples + "/labels/2007_000033.png"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = [
            "label", folder + "/big.jpg", "--out", folder + "/out", "--engine", "oracle", "--ground-truth", folder,
            "--refine", "crf", "--crf-iterations", "100", "--max-refine-pixels", "20000000",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 2)
        XCTAssertTrue(process.isRunning, "still refining when the signal comes")
        let signalled = Date()
        process.terminate()
        while process.isRunning && Date().timeIntervalSince(signalled) < 10 { Thread.sleep(forTimeInterval: 0.02) }
        let took = Date().timeIntervalSince(signalled)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        XCTAssertLessThan(took, 2.5, "stopped \(took) s after SIGTERM")
        XCTAssertEqual(process.terminationStatus, 130)
    }

    func testATenThousandClassVocabularyCostsWhatItsPresentClassesCost() throws {
        let folder = try CLI.temporaryFolder()
        var yaml = "name: huge\nignore: 65535\nclasses:\n  - {id: 0, name: background, prompt: others}\n"
        for id in 1..<10_000 { yaml += "  - {id: \(id), name: class\(id)}\n" }
        try yaml.write(toFile: folder + "/huge.yaml", atomically: true, encoding: .utf8)
        let start = Date()
        let run = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "oracle", "--vocab", folder + "/huge.yaml", "--refine", "nearest",
            "--report", folder + "/r.json",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        let size = try FileManager.default.attributesOfItem(atPath: folder + "/r.json")[.size] as! Int
        XCTAssertLessThan(size, 4_000_000, "the report stores the confusion matrix sparsely")
        let report = try CLI.json(folder + "/r.json")
        let confusion = report["confusion"] as! [String: Any]
        XCTAssertEqual(confusion["shape"] as? [Int], [10_001, 10_001])
    }
}

/// A real JPEG whose frame header claims 65000×65000 pixels (71 KB on disk).
enum JPEGBomb {
    static func make(_ jpeg: Data) -> Data {
        var bytes = [UInt8](jpeg)
        var i = 2
        while i + 9 < bytes.count, bytes[i] == 0xFF {
            let marker = bytes[i + 1], length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if (0xC0...0xC2).contains(marker) {
                for (offset, value) in [(5, 65000), (7, 65000)] {
                    bytes[i + offset] = UInt8(value >> 8)
                    bytes[i + offset + 1] = UInt8(value & 0xFF)
                }
                break
            }
            i += 2 + length
        }
        return Data(bytes)
    }
}
