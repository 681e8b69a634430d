import Foundation
import Text4SegTestSupport
import XCTest

/// `text4seg-bench`'s argument handling: each benchmark refuses a bad value by its flag's
/// name (64, with usage), and a failure once it runs is one `error:` line and status 2,
/// without a usage screen. (The benchmarks themselves need the reference packages and minutes;
/// these tests stop each one before or at its first expensive step.)
final class BenchEndToEndTests: XCTestCase {
    func bench(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(CLI.benchExecutable, arguments)
    }

    func testEachBenchmarkRefusesABadValueByItsFlag() throws {
        for (arguments, flag) in [
            (["oracle-eval", "--grid", "0"], "--grid"),
            (["oracle-eval", "--rounds", "0"], "--rounds"),
            (["openai-concurrency", "--concurrency", "0"], "--concurrency"),
            (["openai-concurrency", "--latency", "soon"], "--latency"),
            (["crf", "--limit", "0"], "--limit"),
            (["crf", "--grid", "many"], "--grid"),
            (["embedded", "--size", "0"], "--size"),
            (["clip", "--method", "fastclip"], "--method"),
            (["clip", "--threads", "0"], "--threads"),
            (["clip", "--short-side", "0"], "--short-side"),
        ] {
            let run = try bench(arguments)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(flag), "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("Usage: text4seg-bench \(arguments[0])"), "\(arguments): \(run.stderr)")
        }
    }

    func testEachBenchmarkReportsARuntimeFailureInOneLine() throws {
        let missing = "/nonexistent/dataset"
        for arguments in [
            ["oracle-eval", "--dataset", missing], ["openai-concurrency", "--dataset", missing], ["crf", "--dataset", missing],
            ["embedded", "--dataset", missing], ["clip", "--image", "/nonexistent/image.jpg"],
        ] {
            let run = try bench(arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("error: /nonexistent/"), "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "\(arguments): \(run.stderr)")
            XCTAssertFalse(run.stderr.contains("Usage:"), "\(arguments): \(run.stderr)")
        }
    }

    /// The reference side failing is a runtime failure too (it was a usage error before).
    func testAFailedReferenceIsARuntimeFailure() throws {
        let run = try bench([
            "oracle-eval", "--dataset", TestPaths.voc12, "--limit", "1", "--rounds", "1", "--script", "/nonexistent/reference.py",
        ])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertEqual(run.stderr, "error: /nonexistent/reference.py failed (status 2); it needs numpy and Pillow\n")
        XCTAssertEqual(run.stdout, "")
    }

    func testBenchmarksAreNotTextSegCommands() throws {
        let help = try CLI.run(["--help"]).stdout
        XCTAssertFalse(help.contains("bench"), help)
        let benchHelp = try bench(["--help"])
        XCTAssertEqual(benchHelp.status, 0)
        for command in ["oracle-eval", "openai-concurrency", "crf", "embedded", "clip"] {
            XCTAssertTrue(benchHelp.stdout.contains("\n  \(command) "), "\(command): \(benchHelp.stdout)")
        }
    }
}
