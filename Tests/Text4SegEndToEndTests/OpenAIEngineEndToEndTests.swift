import Foundation
import Text4SegTestSupport
import XCTest

/// The `openai` engine against a real HTTP server on 127.0.0.1 that answers from ground truth.
final class OpenAIEngineEndToEndTests: XCTestCase {
    func testEvaluationThroughTheServerScoresLikeTheOracleAndSendsTheRightRequest() throws {
        let root = try CLI.requireVOCDev()
        let folder = try CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/requests", withIntermediateDirectories: true)
        let server = try StubServer(dataset: root, ["--record", folder + "/requests", "--latency", "0.05"])
        defer { server.stop() }
        let run = try CLI.run([
            "eval", "--dataset", root, "--engine", "openai", "--base-url", server.baseURL, "--concurrency", "16",
            "--report", folder + "/openai.json", "--save-responses", folder + "/responses",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let oracle = try CLI.run(["eval", "--dataset", root, "--engine", "oracle", "--report", folder + "/oracle.json"])
        XCTAssertEqual(oracle.status, 0, oracle.stderr)
        let a = try CLI.json(folder + "/openai.json"), b = try CLI.json(folder + "/oracle.json")
        XCTAssertEqual(a["mIoU"] as! Double, b["mIoU"] as! Double, accuracy: 1e-9)
        XCTAssertEqual(a["images"] as? Int, 290)
        XCTAssertEqual(a["promptTokens"] as? Int, 290 * 600)
        let items = a["items"] as! [[String: Any]]
        XCTAssertEqual(items.count, 290)
        XCTAssertEqual(items[0]["id"] as? String, "2007_000033", "dataset order")
        XCTAssertGreaterThan(items[0]["engineSeconds"] as! Double, 0.04, "the request time is recorded")
        let stats = try server.stats()
        XCTAssertEqual((stats["per_item"] as! [String: Int]).count, 290, "every image is recognized once")
        XCTAssertGreaterThan(stats["max_in_flight"] as! Int, 1, "requests overlap (the benchmark measures how much)")

        // The request body, byte level: model, one user message with the question and a 336×336 PNG data URL.
        let body = try Data(contentsOf: URL(fileURLWithPath: folder + "/requests/00001.json"))
        let request = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        XCTAssertEqual(Set(request.keys), ["model", "messages", "max_tokens", "temperature"])
        XCTAssertEqual(request["model"] as? String, "text4seg-llava-7b-p24")
        XCTAssertEqual(request["max_tokens"] as? Int, 3069)
        XCTAssertEqual(request["temperature"] as? Double, 0)
        let messages = request["messages"] as! [[String: Any]]
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages[0]["role"] as? String, "user")
        let content = messages[0]["content"] as! [[String: Any]]
        XCTAssertEqual(content.map { $0["type"] as! String }, ["text", "image_url"])
        XCTAssertTrue((content[0]["text"] as! String).hasPrefix("Please segment the image based on the category: others|aeroplane|"))
        let url = (content[1]["image_url"] as! [String: String])["url"]!
        XCTAssertTrue(url.hasPrefix("data:image/png;base64,"))
        XCTAssertTrue(String(decoding: body, as: UTF8.self).contains("\"url\":\"data:image/png;base64,"), "slashes are not escaped")
        let png = Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count)))!
        let size = try CLI.python(
            "import io, sys; from PIL import Image; im = Image.open(io.BytesIO(sys.stdin.buffer.read())); print(im.mode, im.size)", [],
            input: png)
        XCTAssertEqual(size.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "RGB (336, 336)", size.stderr)

        // The saved answers replay without the server, to the same score.
        let replay = try CLI.run([
            "eval", "--dataset", root, "--engine", "replay", "--replay", folder + "/responses", "--report", folder + "/replay.json",
        ])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertEqual(try CLI.json(folder + "/replay.json")["mIoU"] as! Double, b["mIoU"] as! Double, accuracy: 1e-9)
    }

    /// On the twelve committed VOC pairs, so that it runs on a fresh clone.
    func testEveryItemCompletesWhenAThirdOfRequestsFail() throws {
        let root = TestPaths.voc12
        let folder = try CLI.temporaryFolder()
        let server = try StubServer(dataset: root, ["--fail-rate", "0.35", "--seed", "7"])
        defer { server.stop() }
        let run = try CLI.run([
            "eval", "--dataset", root, "--engine", "openai", "--base-url", server.baseURL, "--concurrency", "4",
            "--refine", "nearest", "--report", folder + "/r.json",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try CLI.json(folder + "/r.json")
        XCTAssertEqual(report["images"] as? Int, 12)
        XCTAssertEqual((report["failed"] as! [Any]).count, 0)
        let oracle = try CLI.run(["eval", "--dataset", root, "--engine", "oracle", "--refine", "nearest", "--report", folder + "/o.json"])
        XCTAssertEqual(report["mIoU"] as! Double, try CLI.json(folder + "/o.json")["mIoU"] as! Double, accuracy: 1e-9, oracle.stderr)
        let failures = try server.stats()["failures"] as! Int
        XCTAssertGreaterThan(failures, 1, "the server injected failures (429, 500, dropped connections)")
        XCTAssertEqual(report["retries"] as? Int, failures, "each injected failure cost one retry")
        XCTAssertTrue(run.stdout.contains("\(failures) retried requests"), run.stdout)
    }

    func testErrorsThatRetryingCannotFixSayWhatIsWrongAndNeverShowTheKey() throws {
        let server = try StubServer(dataset: CLI.samples, ["--api-key", "s3cret-key"])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        func eval(_ extra: [String], key: String?) throws -> CLI.Result {
            try CLI.run(
                [
                    "eval", "--dataset", CLI.samples, "--engine", "openai", "--retries", "1", "--connect-timeout", "1", "--report",
                    folder + "/r.json",
                ] + extra, environment: key.map { ["TEXT4SEG_API_KEY": $0] } ?? [:])
        }
        let noKey = try eval(["--base-url", server.baseURL], key: nil)
        XCTAssertTrue(
            noKey.stderr.contains("authentication failed (401)") && noKey.stderr.contains("export TEXT4SEG_API_KEY"), noKey.stderr)
        let wrongModel = try eval(["--base-url", server.baseURL, "--model", "llava-7b"], key: "s3cret-key")
        XCTAssertTrue(wrongModel.stderr.contains("not found (404)") && wrongModel.stderr.contains("--model 'llava-7b'"), wrongModel.stderr)
        let wrongPath = try eval(["--base-url", "http://127.0.0.1:\(server.port)"], key: "s3cret-key")
        XCTAssertTrue(wrongPath.stderr.contains("not found (404)") && wrongPath.stderr.contains("/v1"), wrongPath.stderr)
        let good = try eval(["--base-url", server.baseURL], key: "s3cret-key")
        XCTAssertEqual(good.status, 0, good.stderr)
        for result in [noKey, wrongModel, wrongPath, good] {
            XCTAssertFalse((result.stdout + result.stderr).contains("s3cret"), "the key leaked")
        }
        XCTAssertFalse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/r.json")), as: UTF8.self).contains("s3cret"))
        XCTAssertEqual(try server.stats()["requests"] as? Int, 3 + 3 + 3 + 3, "400-class errors are not retried")

        // Nobody listening: connection errors are retried, then reported.
        server.stop()
        let refused = try eval(["--base-url", server.baseURL], key: nil)
        XCTAssertTrue(
            refused.stderr.contains("gave up after 2 attempts: connection refused by 127.0.0.1:\(server.port)"),
            refused.stderr)
        let badURL = try eval(["--base-url", "localhost:8000"], key: nil)
        XCTAssertNotEqual(badURL.status, 0)
        XCTAssertTrue(badURL.stderr.contains("bad --base-url"), badURL.stderr)
    }

    func testCutOffAnswersAreRepairedOrFailedUnderStrict() throws {
        let server = try StubServer(dataset: CLI.samples, ["--cut", "0.6"])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        let tolerant = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "openai", "--base-url", server.baseURL, "--report", folder + "/t.json",
            "--save-responses", folder + "/raw",
        ])
        XCTAssertEqual(tolerant.status, 0, tolerant.stderr)
        let t = try CLI.json(folder + "/t.json")
        XCTAssertEqual(t["images"] as? Int, 3)
        XCTAssertEqual(t["repairedItems"] as? Int, 3)
        XCTAssertFalse(
            try String(contentsOfFile: folder + "/raw/2007_000033.txt", encoding: .utf8).contains("</seg>"),
            "the raw answer is kept as received")
        let strict = try CLI.run([
            "eval", "--dataset", CLI.samples, "--engine", "openai", "--base-url", server.baseURL, "--strict", "--report",
            folder + "/s.json",
        ])
        XCTAssertNotEqual(strict.status, 0)
        let s = try CLI.json(folder + "/s.json")
        XCTAssertEqual((s["failed"] as! [[String: Any]]).count, 3)
        XCTAssertTrue(((s["failed"] as! [[String: Any]])[0]["reason"] as! String).contains("cut off"))
    }

    func testChattyAnswersScoreLikeTheOracle() throws {
        let server = try StubServer(dataset: CLI.samples, ["--chatter"])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        // The shipped preset, with the server's address from the command line.
        let run = try CLI.run([
            "eval", "--dataset", CLI.samples, "--config", CLI.packageRoot + "/Configs/text4seg-llava-7b-p24.yaml", "--base-url",
            server.baseURL, "--strict", "--report", folder + "/c.json",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let oracle = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--report", folder + "/o.json"])
        XCTAssertEqual(oracle.status, 0)
        XCTAssertEqual(
            try CLI.json(folder + "/c.json")["mIoU"] as! Double, try CLI.json(folder + "/o.json")["mIoU"] as! Double, accuracy: 1e-9)
    }

    func testLabelThroughTheServerWritesMapsAndResumes() throws {
        let server = try StubServer(dataset: CLI.samples)
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        let images = ["2007_000033", "2007_000452", "2007_001321"].map { CLI.samples + "/images/\($0).jpg" }
        let first = try CLI.run(["label", images[0], "--engine", "openai", "--base-url", server.baseURL, "--out", folder])
        XCTAssertEqual(first.status, 0, first.stderr)
        let rest = try CLI.run(["label"] + images + ["--engine", "openai", "--base-url", server.baseURL, "--out", folder, "--resume"])
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertTrue(rest.stderr.contains("resume: 1 images already labeled"), rest.stderr)
        XCTAssertEqual(try server.stats()["requests"] as? Int, 3)
        for image in images {
            let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/\(stem).png"))
        }
    }
}
