import Foundation
import Text4SegTestSupport
import XCTest

/// The clip engine from the command line, on the tiny random checkpoint, and `models pull`
/// against a local server in the Hub's URL layout (scripts/hub_stub_server.py).
final class CLIPEndToEndTests: XCTestCase {
    static let checkpointFiles = ["config.json", "vocab.json", "merges.txt", "model.safetensors"]

    /// A folder holding only the checkpoint's four files, as a Hub repository would.
    func repository() throws -> String {
        let folder = try CLI.temporaryFolder()
        for file in Self.checkpointFiles {
            try FileManager.default.copyItem(atPath: TestPaths.clipTiny + "/" + file, toPath: folder + "/" + file)
        }
        return folder
    }

    func hub(_ options: [String] = []) throws -> StubServer {
        try StubServer(script: "hub_stub_server.py", ["--folder", try repository(), "--repo", "openai/clip-tiny"] + options)
    }

    func testLabelsARealImageWithEachMethod() throws {
        let out = try CLI.temporaryFolder(), cache = try CLI.temporaryFolder()
        let image = TestPaths.voc12 + "/images/2007_000033.jpg"
        var cached: [Int] = []
        for method in ["clearclip", "sclip", "naclip"] {
            let result = try CLI.run(
                [
                    "label", image, "--engine", "clip", "--model-dir", TestPaths.clipTiny, "--clip-method", method,
                    "--out", out + "/" + method, "--json", "--clip-short-side", "64", "--clip-window", "32", "--clip-stride", "16",
                ], environment: ["XDG_CACHE_HOME": cache])
            XCTAssertEqual(result.status, 0, result.stderr)
            let map = try ImageIOProbe.size(out + "/" + method + "/2007_000033.png")
            XCTAssertEqual(map.width, 500)
            XCTAssertEqual(map.height, 366)
            XCTAssertTrue(result.stdout.contains("\"classes\""), result.stdout)
            // pascal-voc is VOC-21: the method's own config, said on stderr.
            XCTAssertTrue(result.stderr.contains("clip: \(method)'s voc21 config"), result.stderr)
            cached.append(try FileManager.default.contentsOfDirectory(atPath: cache + "/text4seg/text-embeddings").count)
        }
        // Each method queries its own VOC-21 class file, a file per name: ClearCLIP's 21 names, then
        // SCLIP's 56 (a line of 26 stuff words for background, kinds of person, names of the TV),
        // which NACLIP shares and reads back.
        XCTAssertEqual(cached[0], 21, "\(cached)")
        XCTAssertGreaterThan(cached[1], cached[0], "\(cached)")
        XCTAssertEqual(cached[2], cached[1], "\(cached)")
    }

    /// `eval` picks the method's config by the layout's vocabulary and its label-0 convention
    /// (VOC-20 when background is ignored), says so, and records it; a config that does not fit
    /// the vocabulary, and `--refine method` on an engine without its own labels, are refused.
    func testEvalPicksTheDatasetConfigAndRefusesOnesThatDoNotFit() throws {
        let folder = try CLI.temporaryFolder(), cache = try CLI.temporaryFolder()
        let common = [
            "eval", "--dataset", CLI.samples, "--engine", "clip", "--model-dir", TestPaths.clipTiny, "--clip-method", "sclip", "--limit",
            "1", "--clip-short-side", "64", "--clip-window", "32", "--clip-stride", "16",
        ]
        let twenty = try CLI.run(
            common + ["--reduce-zero-label", "--report", folder + "/voc20.json"], environment: ["XDG_CACHE_HOME": cache])
        XCTAssertEqual(twenty.status, 0, twenty.stderr)
        XCTAssertTrue(twenty.stderr.contains("clip: sclip's voc20 config"), twenty.stderr)
        XCTAssertTrue(twenty.stderr.contains("20 classes, 30 names"), twenty.stderr)
        let report = try CLI.json(folder + "/voc20.json")
        let settings = try XCTUnwrap(report["settings"] as? [String: Any])
        XCTAssertEqual(settings["clip.dataset"] as? String, "voc20", "\(settings)")

        let wrong = try CLI.run(
            common + ["--clip-dataset", "context60", "--report", folder + "/x.json"], environment: ["XDG_CACHE_HOME": cache])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("the context60 config has 60 class lines and the vocabulary 21 classes"), wrong.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.json"))

        let method = try CLI.run(
            ["eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "method", "--limit", "1", "--report", folder + "/y.json"])
        XCTAssertNotEqual(method.status, 0)
        XCTAssertTrue(method.stderr.contains("only --engine clip gives them"), method.stderr)

        // PAMR refines any engine's output: here the oracle's patch labels, one-hot.
        let pamr = try CLI.run(
            ["eval", "--dataset", CLI.samples, "--engine", "oracle", "--refine", "pamr", "--limit", "1", "--report", folder + "/p.json"])
        XCTAssertEqual(pamr.status, 0, pamr.stderr)
        XCTAssertEqual(try CLI.json(folder + "/p.json")["refiner"] as? String, "pamr")
    }

    func testPullInterruptedThenResumedGivesTheSameFilesAndBecomesTheDefault() throws {
        let server = try hub(["--cut-after", "100000"])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        let env = ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://127.0.0.1:\(server.port)"]
        let first = try CLI.run(["models", "pull", "openai/clip-tiny"], environment: env)
        XCTAssertNotEqual(first.status, 0)
        // The server cut the body after 100000 bytes; the client kept what reached it.
        let said = try XCTUnwrap(
            first.stderr.range(of: #"model\.safetensors: interrupted at [0-9]+ of 556356 bytes"#, options: .regularExpression))
        let kept = try XCTUnwrap(Int(first.stderr[said].split(separator: " ")[3]))
        XCTAssertTrue((1...100000).contains(kept), "\(kept)")
        XCTAssertTrue(first.stderr.contains("run the same command again to resume"), first.stderr)
        let folder = cache + "/text4seg/clip/openai/clip-tiny"
        // The bytes wait in the staging folder, named by the hash they must have; nothing is installed yet.
        let staging = cache + "/text4seg/clip/openai/.clip-tiny.staging"
        let part = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: staging).first { $0.hasSuffix(".part") })
        XCTAssertTrue(part.hasPrefix("model.safetensors."), part)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: staging + "/" + part)[.size] as? Int, kept)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder))

        let second = try CLI.run(["models", "pull", "openai/clip-tiny"], environment: env)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("model.safetensors: resuming at byte \(kept) of 556356"), second.stdout)
        XCTAssertTrue(second.stdout.contains("config.json: already here"), second.stdout)
        for file in Self.checkpointFiles {
            XCTAssertEqual(
                FileManager.default.contents(atPath: folder + "/" + file),
                FileManager.default.contents(atPath: TestPaths.clipTiny + "/" + file),
                file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder)), Set(Self.checkpointFiles + ["revision.json"]))
        let stats = try server.stats()
        XCTAssertEqual(stats["ranges"] as? [Int], [kept], "the second download asked only for the rest")
        let revision = try CLI.json(folder + "/revision.json")
        XCTAssertEqual((revision["commit"] as? String)?.count, 40)

        // Installed: label and eval now default to the clip engine, and say so.
        let out = try CLI.temporaryFolder()
        let label = try CLI.run(
            [
                "label", TestPaths.voc12 + "/images/2007_000033.jpg", "--out", out, "--clip-short-side", "64", "--clip-window", "32",
                "--clip-stride", "16",
            ], environment: env)
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertTrue(label.stderr.contains("engine: clip, the CLIP checkpoint at \(folder)"), label.stderr)
        let list = try CLI.run(["models", "list"], environment: env)
        XCTAssertTrue(list.stdout.contains("clip (default)\t\(folder)"), list.stdout)
    }

    /// `HF_TOKEN` goes to the Hub and nowhere else: the LFS redirect points at another origin (the
    /// CDN's, here `localhost` for the server's `127.0.0.1`), which gets the bytes request without it.
    func testTheTokenGoesToTheHubButNotToTheCDN() throws {
        let server = try hub(["--cdn-host", "localhost"])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        let env = ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://127.0.0.1:\(server.port)", "HF_TOKEN": "hf_secret"]
        let pull = try CLI.run(["models", "pull", "openai/clip-tiny"], environment: env)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        let authorized = try XCTUnwrap(try server.stats()["authorized"] as? [String])
        XCTAssertTrue(authorized.contains("/openai/clip-tiny/resolve/main/model.safetensors"), "\(authorized)")
        XCTAssertTrue(authorized.contains("/openai/clip-tiny/resolve/main/config.json"), "\(authorized)")
        XCTAssertFalse(authorized.contains { $0.hasPrefix("/cdn/") }, "\(authorized)")
        XCTAssertEqual(
            FileManager.default.contents(atPath: cache + "/text4seg/clip/openai/clip-tiny/model.safetensors"),
            FileManager.default.contents(atPath: TestPaths.clipTiny + "/model.safetensors"))
    }

    func testPullRefusesCorruptBytesAndNamesMissingRevisionsAndOfflineEndpoints() throws {
        let cache = try CLI.temporaryFolder()
        let corrupt = try hub(["--corrupt"])
        defer { corrupt.stop() }
        var env = ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://127.0.0.1:\(corrupt.port)"]
        let bad = try CLI.run(["models", "pull", "openai/clip-tiny"], environment: env)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(".part: sha256:"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("the Hub says sha256:"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/text4seg/clip/openai/clip-tiny/model.safetensors"))

        let missing = try CLI.run(["models", "pull", "openai/clip-tiny", "--revision", "v9"], environment: env)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("openai/clip-tiny has no revision 'v9'"), missing.stderr)

        corrupt.stop()
        env["HF_ENDPOINT"] = "http://127.0.0.1:\(corrupt.port)"
        let offline = try CLI.run(["models", "pull", "openai/clip-tiny"], environment: env)
        XCTAssertNotEqual(offline.status, 0)
        XCTAssertTrue(offline.stderr.contains("cannot reach http://127.0.0.1:\(corrupt.port)"), offline.stderr)
        XCTAssertTrue(offline.stderr.contains("--model-dir"), offline.stderr)
    }

    func testWithoutACheckpointTheClipEngineSaysHowToGetOne() throws {
        let cache = try CLI.temporaryFolder()
        let result = try CLI.run(
            ["label", TestPaths.voc12 + "/images/2007_000033.jpg", "--engine", "clip", "--out", try CLI.temporaryFolder()],
            environment: ["XDG_CACHE_HOME": cache])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("text4seg models pull openai/clip-vit-base-patch16"), result.stderr)
    }
}

/// The size of a PNG, read from its header.
enum ImageIOProbe {
    static func size(_ path: String) throws -> (width: Int, height: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func word(_ at: Int) -> Int { data[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }
}
