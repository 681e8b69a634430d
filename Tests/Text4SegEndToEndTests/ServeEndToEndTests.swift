import Foundation
import Text4SegTestSupport
import XCTest

/// `text4seg serve` as a process: its answers equal `text4seg label`'s files byte for byte, the
/// README's curl command works, its limits refuse what they must with a message, and SIGTERM
/// finishes the request in flight.
final class ServeEndToEndTests: XCTestCase {
    var images: [String] { ["2007_000033", "2007_001321"].map { CLI.samples + "/images/\($0).jpg" } }

    /// `text4seg label` with `arguments` into a new folder; returns the folder.
    func label(_ image: String, _ arguments: [String]) throws -> String {
        let out = try CLI.temporaryFolder()
        let run = try CLI.run(["label", image, "--out", out, "--quiet"] + arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        return out
    }

    func stem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    func testAnswersEqualLabelsFilesByteForByte() throws {
        try Prerequisite.models.require()
        try Prerequisite.annotationTools.require()
        let server = try ServeProcess(["--refine", "nearest"])
        defer { server.stop() }
        let scratch = try CLI.temporaryFolder()
        for image in images {
            // The raw body with Accept: image/png is the palette PNG itself.
            let expected = try label(image, ["--refine", "nearest"]) + "/\(stem(image)).png"
            let got = scratch + "/\(stem(image)).raw.png"
            let raw = try server.curl(
                ["-X", "POST", "--data-binary", "@" + image, "-H", "Accept: image/png", server.url("/v1/segment")], output: got)
            XCTAssertEqual(raw.status, 200, raw.body)
            XCTAssertEqual(FileManager.default.contents(atPath: got), FileManager.default.contents(atPath: expected), image)

            // Multipart with a class list and a grid, JSON with the label map: the same map as label's.
            let listed = try label(image, ["--refine", "nearest", "--classes", "person, dog, sky", "--grid", "16", "--json"])
            let form = try server.curl([
                "-F", "image=@" + image, "-F", "classes=person, dog, sky", "-F", "grid=16", "-F", "label_map=true", "-F", "overlay=true",
                server.url("/v1/segment"),
            ])
            XCTAssertEqual(form.status, 200, form.body)
            let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(form.body.utf8)) as? [String: Any])
            let png = try XCTUnwrap(Data(base64Encoded: answer["label_map_png"] as? String ?? ""))
            XCTAssertEqual(png, FileManager.default.contents(atPath: listed + "/\(stem(image)).png"), image)
            XCTAssertNotNil(Data(base64Encoded: answer["overlay_png"] as? String ?? "").map { $0.starts(with: [0x89, 0x50]) })
            XCTAssertEqual(answer["refine"] as? String, "nearest")

            // Each class's COCO RLE, decoded by pycocotools, is that class's pixels in the map.
            let classes = try XCTUnwrap(answer["classes"] as? [[String: Any]])
            XCTAssertFalse(classes.isEmpty)
            let rles = try JSONSerialization.data(
                withJSONObject: classes.map { ["id": $0["id"]!, "rle": $0["rle"]!, "pixels": $0["pixels"]!] })
            let rlePath = scratch + "/\(stem(image)).rle.json"
            try rles.write(to: URL(fileURLWithPath: rlePath))
            let check = try CLI.python(
                """
                import json, sys, numpy as np
                from PIL import Image
                from pycocotools import mask as coco
                labels = np.array(Image.open(sys.argv[1]))
                seen = 0
                for c in json.load(open(sys.argv[2])):
                    rle = dict(c["rle"]); rle["counts"] = rle["counts"].encode()
                    m = coco.decode(rle).astype(bool)
                    assert m.shape == labels.shape, (m.shape, labels.shape)
                    assert (m == (labels == c["id"])).all(), c["id"]
                    assert m.sum() == c["pixels"], c["id"]
                    seen += m.sum()
                assert seen == labels.size - (labels == 255).sum()
                print(seen)
                """, [listed + "/\(stem(image)).png", rlePath])
            XCTAssertEqual(check.status, 0, check.stderr)
        }
    }

    /// The README's command, as printed there, with the port the test's server got.
    /// Class lists of one length, one after the other, each answered as `label` answers it alone
    /// (every class list is named `custom`: nothing may be cached by name).
    func testClassListsOfOneLengthAreNotMistakenForEachOther() throws {
        try Prerequisite.models.require()
        let server = try ServeProcess(["--refine", "nearest"])
        defer { server.stop() }
        let scratch = try CLI.temporaryFolder()
        for (index, classes) in ["person, dog", "aeroplane, sky", "person, dog"].enumerated() {
            let expected = try label(images[0], ["--refine", "nearest", "--classes", classes]) + "/\(stem(images[0])).png"
            let got = scratch + "/\(index).png"
            let answer = try server.curl(
                ["-F", "image=@" + images[0], "-F", "classes=" + classes, "-H", "Accept: image/png", server.url("/v1/segment")], output: got
            )
            XCTAssertEqual(answer.status, 200, answer.body)
            XCTAssertEqual(FileManager.default.contents(atPath: got), FileManager.default.contents(atPath: expected), classes)
        }
    }

    func testTheReadmeCurlCommandWorks() throws {
        try Prerequisite.models.require()
        let readme = try String(contentsOfFile: CLI.packageRoot + "/README.md", encoding: .utf8)
        let command = try XCTUnwrap(
            readme.split(separator: "\n").first { $0.hasPrefix("curl -F image=@") && $0.contains("/v1/segment") }, "README's curl line")
        let server = try ServeProcess(["--refine", "nearest"])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        let photo = folder + "/x.jpg"
        try FileManager.default.copyItem(atPath: images[0], toPath: photo)
        let run = try CLI.run(
            "/bin/sh", ["-c", "cd '\(folder)' && " + command.replacingOccurrences(of: "127.0.0.1:8089", with: server.address)])
        XCTAssertEqual(run.status, 0, run.stderr)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], run.stdout)
        let names = (answer["classes"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertFalse(names.isEmpty, run.stdout)
        XCTAssertTrue(Set(names).isSubset(of: ["background", "person", "dog"]), "\(names)")
    }

    func testRefusalsCarryAStatusAndAMessage() throws {
        try Prerequisite.models.require()
        let server = try ServeProcess([
            "--refine", "nearest", "--max-body-bytes", "2000000", "--max-pixels", "1000000", "--token", "s3cret",
        ])
        defer { server.stop() }
        let segment = server.url("/v1/segment")
        let auth = ["-H", "Authorization: Bearer s3cret"]
        func expect(_ status: Int, _ kind: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let answer = try server.curl(arguments)
            XCTAssertEqual(answer.status, status, answer.body, file: file, line: line)
            let body = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            XCTAssertEqual(body?["kind"] as? String, kind, answer.body, file: file, line: line)
            XCTAssertFalse((body?["error"] as? String ?? "").isEmpty, answer.body, file: file, line: line)
        }
        // The token: none, a wrong one, and the right one as a basic-auth password (Label Studio's way).
        try expect(401, "unauthorized", ["-F", "image=@" + images[0], segment])
        try expect(401, "unauthorized", ["-H", "Authorization: Bearer nope", "-F", "image=@" + images[0], segment])
        XCTAssertEqual(try server.curl(["-u", "anyone:s3cret", server.url("/v1/vocabularies")]).status, 200)
        XCTAssertEqual(try server.curl([server.url("/health")]).status, 200)
        // Options checked before the image waits for a worker.
        try expect(400, "bad_request", auth + ["-F", "image=@" + images[0], "-F", "vocab=/etc/passwd", segment])
        try expect(400, "bad_request", auth + ["-F", "image=@" + images[0], "-F", "grid=0", segment])
        try expect(400, "bad_request", auth + ["-F", "image=@" + images[0], "-F", "refine=sharpest", segment])
        try expect(400, "bad_request", auth + ["-F", "vocab=pascal-voc", segment])
        // Bytes that are no image, and an image declaring more pixels than the limit (refused before decoding).
        let scratch = try CLI.temporaryFolder()
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: scratch + "/a.jpg"))
        try expect(422, "bad_image", auth + ["-F", "image=@\(scratch)/a.jpg", segment])
        var header = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
        header += Data([0, 0x01, 0x86, 0xA0, 0, 0x01, 0x86, 0xA0, 8, 2, 0, 0, 0, 0, 0, 0, 0])
        try header.write(to: URL(fileURLWithPath: scratch + "/huge.png"))
        try expect(422, "bad_image", auth + ["--data-binary", "@\(scratch)/huge.png", segment])
        // A body over the limit, refused from its Content-Length.
        try Data(count: 3_000_000).write(to: URL(fileURLWithPath: scratch + "/big.bin"))
        try expect(413, "body_too_large", auth + ["--data-binary", "@\(scratch)/big.bin", segment])
        try expect(406, "not_acceptable", auth + ["-H", "Accept: text/html", "--data-binary", "@" + images[0], segment])

        // The failures are counted by kind; the page and the API's description need no token.
        let metrics = try server.curl(auth + [server.url("/metrics")])
        for kind in ["unauthorized", "bad_request", "bad_image", "body_too_large", "not_acceptable"] {
            XCTAssertTrue(metrics.body.contains("text4seg_failures_total{kind=\"\(kind)\"}"), kind)
        }
        XCTAssertTrue(metrics.body.contains("text4seg_requests_in_flight"))
        XCTAssertTrue(metrics.body.contains("text4seg_request_duration_seconds_bucket{route=\"segment\""))
        let spec = try server.curl([server.url("/openapi.json")])
        let paths = (try JSONSerialization.jsonObject(with: Data(spec.body.utf8)) as? [String: Any])?["paths"] as? [String: Any]
        XCTAssertEqual(
            Set(paths?.keys.map { $0 } ?? []),
            ["/v1/segment", "/v1/vocabularies", "/health", "/metrics", "/openapi.json", "/", "/setup", "/predict", "/webhook", "/versions"])
        XCTAssertTrue(try server.curl([server.url("/")]).body.contains("<html"))
        // The log names sizes and types, never what was sent.
        XCTAssertFalse(server.stderr.contains("/etc/passwd"), server.stderr)
        XCTAssertFalse(server.stderr.contains("s3cret"), server.stderr)
    }

    /// A segmentation past --request-timeout is answered 503 and counted; the server goes on.
    func testASegmentationPastItsTimeIsAnswered503() throws {
        try Prerequisite.models.require()
        let server = try ServeProcess(["--refine", "crf", "--request-timeout", "0.05"])
        defer { server.stop() }
        let answer = try server.curl(["--data-binary", "@" + images[1], server.url("/v1/segment")])
        XCTAssertEqual(answer.status, 503, answer.body)
        XCTAssertTrue(answer.body.contains("\"kind\":\"timeout\""), answer.body)
        XCTAssertTrue(try server.curl([server.url("/metrics")]).body.contains("text4seg_failures_total{kind=\"timeout\"} 1"))
        XCTAssertEqual(try server.curl([server.url("/health")]).status, 200)
    }

    func testANonLoopbackAddressNeedsAToken() throws {
        let run = try CLI.run(["serve", "--host", "0.0.0.0", "--port", "0"])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("--token"), run.stderr)
    }

    /// SIGTERM while a request is in flight: that request is answered, new connections are
    /// refused, and the process exits 0.
    func testSIGTERMFinishesTheRequestInFlight() throws {
        try Prerequisite.models.require()
        let server = try ServeProcess(["--refine", "crf", "--concurrency", "1"])
        defer { server.stop() }
        let out = try CLI.temporaryFolder() + "/answer.png"
        let request = Process()
        request.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        request.arguments = [
            "-s", "-o", out, "-w", "%{http_code}", "-X", "POST", "--data-binary", "@" + images[1], "-H", "Accept: image/png",
            server.url("/v1/segment"),
        ]
        let status = Pipe()
        request.standardOutput = status
        try request.run()
        // Wait until the server has the request (it is counted in flight), then stop it.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let metrics = try server.curl([server.url("/metrics")]).body
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("text4seg_requests_in_flight ") }
            if let count = line.flatMap({ Double($0.split(separator: " ").last ?? "") }), count >= 2 { break }
            usleep(20_000)
        }
        XCTAssertEqual(server.terminate(waiting: 120), 0, server.stderr)
        request.waitUntilExit()
        XCTAssertEqual(String(decoding: status.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "200")
        let expected = try label(images[1], ["--refine", "crf"]) + "/\(stem(images[1])).png"
        XCTAssertEqual(FileManager.default.contents(atPath: out), FileManager.default.contents(atPath: expected))
        XCTAssertNotEqual(try server.curl(["--max-time", "2", server.url("/health")]).status, 200)
    }

    /// schemathesis generates requests from the server's own /openapi.json (valid and invalid,
    /// every operation, with and without the token) and checks every answer against it: no 5xx,
    /// documented statuses, content types and schemas, 401 without the token, 405 for other
    /// methods. Exceptions no schema can express are in schemathesis.toml.
    func testTheServerKeepsToItsOpenAPIDocumentUnderSchemathesis() throws {
        try Prerequisite.models.require()
        try Prerequisite.schemathesis.require()
        let server = try ServeProcess(["--refine", "nearest", "--token", "fuzz-token", "--max-body-bytes", "1000000"])
        defer { server.stop() }
        let run = try CLI.run(
            Prerequisite.schemathesisCommand,
            [
                "run", server.url("/openapi.json"), "--max-examples", "100", "--seed", "4242", "-H", "Authorization: Bearer fuzz-token",
                "--no-color",
            ])
        XCTAssertEqual(run.status, 0, run.stdout.suffix(6000) + run.stderr)
        XCTAssertTrue(run.stdout.contains("passed"), run.stdout)
        XCTAssertEqual(try server.curl([server.url("/health")]).status, 200, "the server is still up")
    }

    /// scripts/serve_load_check.py against servers this build starts: 64 clients x 10 requests of
    /// mixed valid and invalid images (each valid answer byte for byte `label`'s, each invalid one
    /// its 4xx with a message, peak RSS within 1.5x one `label` run), /health answering while
    /// long segmentations run, slow-loris heads and bodies, clients that leave mid-request (FIN
    /// and RST) freeing their worker, keep-alive without growth, and a 503 on time.
    func testTheServerSurvivesLoadSlowClientsAndDisconnects() throws {
        try Prerequisite.models.require()
        try Prerequisite.python.require()
        let run = try CLI.run("/usr/bin/env", ["python3", CLI.packageRoot + "/scripts/serve_load_check.py", "--binary", CLI.executable])
        XCTAssertEqual(run.status, 0, String(run.stdout.suffix(8000)) + String(run.stderr.suffix(4000)))
        XCTAssertTrue(run.stdout.contains(#""ok": true"#), run.stdout)
    }

    /// The page at / in Debian's Chromium, driven by Playwright (scripts/serve_page_check.py):
    /// upload, typed classes, the legend's names against the API's, hover against the label map,
    /// toggles, and the downloaded label map byte for byte against `text4seg label`'s.
    func testThePageSegmentsInARealBrowserAndDownloadsLabelsMap() throws {
        try Prerequisite.models.require()
        try Prerequisite.playwright.require()
        let classes = "aeroplane, person, sky"
        let expected = try label(images[0], ["--refine", "nearest", "--classes", classes]) + "/\(stem(images[0])).png"
        let server = try ServeProcess(["--refine", "nearest"])
        defer { server.stop() }
        let run = try CLI.run(
            Prerequisite.playwrightPython,
            [
                CLI.packageRoot + "/scripts/serve_page_check.py", "--server", server.baseURL, "--image", images[0], "--classes", classes,
                "--expected", expected, "--chromium", Prerequisite.chromiumPath,
            ])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
    }

    /// A real Label Studio (PyPI's 1.23.2) with `serve` as its ML backend: a BrushLabels project,
    /// uploaded dev images, predictions asked for as the Data Manager does, read back through its
    /// API and decoded with its own brush decoder: each region equals `text4seg label`'s pixels
    /// for its class (scripts/labelstudio_backend_check.py). The token goes as basic auth.
    func testARealLabelStudioGetsLabelsMapsAsBrushRegions() throws {
        try Prerequisite.models.require()
        try Prerequisite.labelStudio.require()
        let dev = try TestPaths.requireVOCDev()
        let pictures = images + ["2007_000175", "2007_000804"].map { dev + "/images/\($0).jpg" }
        let expected = try CLI.temporaryFolder()
        let run = try CLI.run(["label"] + pictures + ["--out", expected, "--refine", "nearest", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let server = try ServeProcess(["--refine", "nearest", "--token", "ls-token"])
        defer { server.stop() }
        let check = try CLI.run(
            Prerequisite.labelStudioPython,
            [
                CLI.packageRoot + "/scripts/labelstudio_backend_check.py", "--backend", server.baseURL, "--expected", expected, "--token",
                "ls-token",
            ]
                + pictures)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr + "\nserver:\n" + server.stderr)
        XCTAssertTrue(server.stderr.contains("POST /predict 200"), server.stderr)
        XCTAssertTrue(server.stderr.contains("not in vocabulary pascal-voc, predicted for no pixels: unicorn"), server.stderr)
    }
}
