import Foundation
import Text4SegTestSupport
import XCTest

/// `models pull` against a misbehaving Hub (scripts/hub_stub_server.py over loopback): a failed
/// update never touches the installed checkpoint, a body is never written past its declared size,
/// a trickle or a stall ends at the minimum rate or the deadline, redirects go only to http(s),
/// credentials in HF_ENDPOINT are never printed or stored, and repository ids are checked.
final class ModelPullEndToEndTests: XCTestCase {
    static let files = ["config.json", "vocab.json", "merges.txt", "model.safetensors"]
    static let repo = "openai/clip-tiny"

    /// A folder holding only the tiny checkpoint's four files, as a Hub repository would.
    func revisionA() throws -> String {
        let folder = try CLI.temporaryFolder()
        for file in Self.files {
            try FileManager.default.copyItem(atPath: TestPaths.clipTiny + "/" + file, toPath: folder + "/" + file)
        }
        return folder
    }

    /// Another revision: every file differs from A's (one weight in the middle of the tensors, a
    /// config key, the merges' header, the vocabulary's layout), all still a valid checkpoint.
    func revisionB() throws -> String {
        let folder = try revisionA()
        func edit(_ file: String, _ change: (inout Data) -> Void) throws {
            var data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
            change(&data)
            try data.write(to: URL(fileURLWithPath: folder + "/" + file))
        }
        try edit("config.json") {
            $0 = Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "{\n", with: "{\n  \"_b\": 1,\n").utf8)
        }
        try edit("merges.txt") {
            $0 = Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "#version: 0.2", with: "#version: 0.2 b").utf8)
        }
        try edit("vocab.json") { $0.append(contentsOf: Array("\n".utf8)) }
        try edit("model.safetensors") { data in
            let middle = data.count / 2 / 4 * 4
            data[middle] ^= 0x01
        }
        return folder
    }

    func hub(_ options: [String]) throws -> StubServer {
        try Prerequisite.python.require()
        return try StubServer(script: "hub_stub_server.py", ["--folder", try revisionA(), "--repo", Self.repo] + options)
    }

    func environment(_ cache: String, _ server: StubServer) -> [String: String] {
        ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://127.0.0.1:\(server.port)"]
    }

    /// Every file in the checkpoint folder, by name.
    func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return files
    }

    func label(_ env: [String: String]) throws -> CLI.Result {
        try CLI.run(
            [
                "label", TestPaths.voc12 + "/images/2007_000033.jpg", "--out", try CLI.temporaryFolder(),
                "--clip-short-side", "64", "--clip-window", "32", "--clip-stride", "16",
            ], environment: env)
    }

    /// The acceptance test of issue 18: pull A, fail B four ways, and A is still there, byte for
    /// byte, and still labels images; then B resumes and installs in one step.
    func testAFailedUpdateLeavesTheInstalledCheckpointAsItWasAndUsable() throws {
        let cache = try CLI.temporaryFolder()
        let folder = cache + "/text4seg/clip/" + Self.repo
        let b = try revisionB()
        do {
            let server = try hub([])
            defer { server.stop() }
            let pull = try CLI.run(["models", "pull", Self.repo], environment: environment(cache, server))
            XCTAssertEqual(pull.status, 0, pull.stderr)
        }
        let installed = try snapshot(folder)
        XCTAssertEqual(installed["model.safetensors"], FileManager.default.contents(atPath: TestPaths.clipTiny + "/model.safetensors"))
        for fault in ["500", "corrupt", "endless", "cut"] {
            let server = try hub(["--folder-b", b, "--revision-b", "v2", "--fault", fault])
            defer { server.stop() }
            let env = environment(cache, server)
            let pull = try CLI.run(["models", "pull", Self.repo, "--revision", "v2"], environment: env)
            XCTAssertNotEqual(pull.status, 0, "\(fault): \(pull.stdout)")
            XCTAssertTrue(pull.stderr.contains("model.safetensors"), "\(fault): \(pull.stderr)")
            XCTAssertEqual(try snapshot(folder), installed, "\(fault): the installed checkpoint changed")
            let labelled = try label(env)
            XCTAssertEqual(labelled.status, 0, "\(fault): \(labelled.stderr)")
            XCTAssertTrue(labelled.stderr.contains("engine: clip, the CLIP checkpoint at \(folder)"), labelled.stderr)
        }
        // The cut left B's first bytes in staging; a healthy hub gives the rest and B replaces A whole.
        let staging = cache + "/text4seg/clip/openai/.clip-tiny.staging"
        let parts = try FileManager.default.contentsOfDirectory(atPath: staging).filter { $0.hasSuffix(".part") }
        XCTAssertEqual(parts.count, 1, "\(parts)")
        let server = try hub(["--folder-b", b, "--revision-b", "v2"])
        defer { server.stop() }
        let resumed = try CLI.run(["models", "pull", Self.repo, "--revision", "v2"], environment: environment(cache, server))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("model.safetensors: resuming at byte"), resumed.stdout)
        for file in Self.files {
            XCTAssertEqual(
                FileManager.default.contents(atPath: folder + "/" + file), FileManager.default.contents(atPath: b + "/" + file), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: staging), "the old revision went with the staging folder")
        XCTAssertEqual(try CLI.json(folder + "/revision.json")["revision"] as? String, "v2")
    }

    /// A revision whose every file has the Hub's hash but whose config is out of range is checked
    /// before it is installed: exit 2 naming the field, and the installed checkpoint stays.
    func testARevisionWithBadValuesIsNeverInstalled() throws {
        let cache = try CLI.temporaryFolder()
        let folder = cache + "/text4seg/clip/" + Self.repo
        let bad = try revisionA()
        let config = try String(contentsOfFile: bad + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: #""layer_norm_eps": 1e-05"#, with: #""layer_norm_eps": -1"#)
            .write(toFile: bad + "/config.json", atomically: true, encoding: .utf8)
        let server = try hub(["--folder-b", bad, "--revision-b", "v3"])
        defer { server.stop() }
        let env = environment(cache, server)
        XCTAssertEqual(try CLI.run(["models", "pull", Self.repo], environment: env).status, 0)
        let installed = try snapshot(folder)
        let pull = try CLI.run(["models", "pull", Self.repo, "--revision", "v3"], environment: env)
        XCTAssertEqual(pull.status, 2, pull.stderr)
        XCTAssertTrue(pull.stderr.contains("config.json: text_config.layer_norm_eps: -1.0 is not in"), pull.stderr)
        XCTAssertEqual(try snapshot(folder), installed)
    }

    /// A server that declares 556356 bytes and streams without end: the client stops at the
    /// declared size, calls it a protocol error and removes the part.
    func testABodyLongerThanDeclaredIsRefusedAndItsPartRemoved() throws {
        let server = try hub(["--fault", "endless"])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        let started = Date()
        let pull = try CLI.run(["models", "pull", Self.repo], environment: environment(cache, server))
        XCTAssertNotEqual(pull.status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertTrue(
            pull.stderr.contains("model.safetensors: the server broke the protocol: the body goes past the declared 556356 bytes"),
            pull.stderr)
        let staging = cache + "/text4seg/clip/openai/.clip-tiny.staging"
        let left = try FileManager.default.contentsOfDirectory(atPath: staging)
        XCTAssertFalse(left.contains { $0.hasPrefix("model.safetensors") }, "\(left)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/text4seg/clip/" + Self.repo))
    }

    /// One byte every 0.1 s is below a 1000 bytes/s minimum over 1 s; 10 kB/s is above a 100 bytes/s
    /// minimum but passes a 2 s deadline. Both end in seconds, keep their part, and say what to change.
    func testATricklingHubEndsAtTheMinimumRateOrTheDeadline() throws {
        let cache = try CLI.temporaryFolder()
        do {
            let server = try hub(["--fault", "trickle"])
            defer { server.stop() }
            let started = Date()
            let pull = try CLI.run(
                ["models", "pull", Self.repo, "--min-rate", "1000", "--rate-window", "1"], environment: environment(cache, server))
            XCTAssertNotEqual(pull.status, 0)
            XCTAssertLessThan(Date().timeIntervalSince(started), 15)
            XCTAssertTrue(pull.stderr.contains("over the last 1 s, below --min-rate 1000"), pull.stderr)
            XCTAssertTrue(pull.stderr.contains("run the same command again to resume"), pull.stderr)
        }
        do {
            let server = try hub(["--fault", "slow"])
            defer { server.stop() }
            let started = Date()
            let pull = try CLI.run(
                ["models", "pull", Self.repo, "--min-rate", "100", "--rate-window", "1", "--deadline", "2"],
                environment: environment(cache, server))
            XCTAssertNotEqual(pull.status, 0)
            XCTAssertLessThan(Date().timeIntervalSince(started), 15)
            XCTAssertTrue(pull.stderr.contains("the pull passed its --deadline of 2 s during model.safetensors"), pull.stderr)
            // Not a terminal: plain progress lines, not redrawn ones.
            XCTAssertFalse(pull.stderr.contains("\u{1B}[K"), pull.stderr)
        }
        for flags in [["--rate-window", "0"], ["--min-rate", "-1"], ["--deadline", "1e9"], ["--deadline", "nan"]] {
            let bad = try CLI.run(["models", "pull", Self.repo] + flags, environment: ["XDG_CACHE_HOME": cache])
            XCTAssertEqual(bad.status, 64, "\(flags): \(bad.stderr)")
        }
    }

    /// On a terminal the download is one line redrawn in place: bytes of the size, rate, ETA.
    func testProgressIsDrawnOnATerminal() throws {
        try Prerequisite.script.require()
        let server = try hub(["--fault", "slow"])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        let command = [CLI.executable, "models", "pull", Self.repo, "--min-rate", "100", "--rate-window", "1", "--deadline", "2"]
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let run = try CLI.run("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment(cache, server))
        XCTAssertTrue(run.stdout.contains("\r\u{1B}[Kmodel.safetensors: "), run.stdout)
        XCTAssertTrue(run.stdout.contains(" of 556.4 kB ("), run.stdout)
        XCTAssertTrue(run.stdout.contains("kB/s, ETA "), run.stdout)
        XCTAssertTrue(run.stdout.contains("passed its --deadline of 2 s"), run.stdout)
    }

    /// The LFS redirect points at `http+unix://` where the stub also listens: the client refuses
    /// it, and the socket sees no request.
    func testARedirectIsFollowedOnlyToHTTP() throws {
        let socket = "/tmp/t4s-\(UUID().uuidString.prefix(8)).sock"
        defer { try? FileManager.default.removeItem(atPath: socket) }
        let sha = try CLI.python(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest(), end='')",
            [TestPaths.clipTiny + "/model.safetensors"]
        ).stdout
        let location = "http+unix://" + socket.replacingOccurrences(of: "/", with: "%2F") + "/cdn/" + sha
        let server = try hub(["--unix-socket", socket, "--lfs-location", location])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        let pull = try CLI.run(["models", "pull", Self.repo], environment: environment(cache, server))
        XCTAssertNotEqual(pull.status, 0)
        XCTAssertTrue(pull.stderr.contains("refused a redirect to \"http+unix://"), pull.stderr)
        XCTAssertTrue(pull.stderr.contains("only http and https are followed"), pull.stderr)
        XCTAssertEqual(try server.stats()["unix"] as? [String], [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/text4seg/clip/" + Self.repo))
    }

    /// `HF_ENDPOINT=http://user:password@host` authenticates with basic auth but the password is in
    /// no output and no file.
    func testCredentialsInTheEndpointAreSentButNeverShownOrStored() throws {
        let server = try hub([])
        defer { server.stop() }
        let cache = try CLI.temporaryFolder()
        var env = ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://mirror-user:s3cret-pass@127.0.0.1:\(server.port)"]
        let pull = try CLI.run(["models", "pull", Self.repo], environment: env)
        XCTAssertEqual(pull.status, 0, pull.stderr)
        XCTAssertFalse((pull.stdout + pull.stderr).contains("s3cret-pass"), pull.stdout + pull.stderr)
        let revision = try String(contentsOfFile: cache + "/text4seg/clip/\(Self.repo)/revision.json", encoding: .utf8)
        XCTAssertFalse(revision.contains("s3cret-pass"), revision)
        XCTAssertEqual(
            try CLI.json(cache + "/text4seg/clip/\(Self.repo)/revision.json")["endpoint"] as? String, "http://127.0.0.1:\(server.port)")
        let sent = try XCTUnwrap(try server.stats()["authorization"] as? [String])
        XCTAssertTrue(sent.contains("Basic " + Data("mirror-user:s3cret-pass".utf8).base64EncodedString()), "\(sent)")
        server.stop()
        env["HF_ENDPOINT"] = "http://mirror-user:s3cret-pass@127.0.0.1:\(server.port)"
        let offline = try CLI.run(["models", "pull", Self.repo], environment: env)
        XCTAssertNotEqual(offline.status, 0)
        XCTAssertFalse((offline.stdout + offline.stderr).contains("s3cret-pass"), offline.stdout + offline.stderr)
    }

    /// Ids the Hub would refuse never become folders: `a/.` used to install into `clip/a`.
    func testRepositoryIdsAreCheckedAsTheHubChecksThem() throws {
        let cache = try CLI.temporaryFolder()
        let env = ["XDG_CACHE_HOME": cache, "HF_ENDPOINT": "http://127.0.0.1:9"]
        for repo in [
            "a/.", "./b", "a/..", "../a", "a/-b", "a/b-", "a/b.", "a//b", "a/b/c", "a", "a/b c", "a/b--c", "a/b..c",
            String(repeating: "a", count: 97) + "/b",
        ] {
            let result = try CLI.run(["models", "pull", repo], environment: env)
            XCTAssertEqual(result.status, 64, "\(repo): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("is not a repository id"), "\(repo): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache + "/text4seg/clip"))
    }
}
