import Foundation
import Text4SegTestSupport
import XCTest

/// The help screens people read, as snapshots, and the exit status of each kind of outcome.
/// After changing an option on purpose, refresh the snapshots with
/// `TEXT4SEG_UPDATE_SNAPSHOTS=1 swift test --filter HelpEndToEndTests` and review the diff; the
/// comparison reads the copy in the test bundle, which the next `swift build --build-tests` refreshes.
final class HelpEndToEndTests: XCTestCase {
    /// Compared from the test bundle's copy; rewritten in the checkout (and copied again by the next build).
    static let snapshots = TestPaths.fixtures + "/help-snapshots"
    static let sourceSnapshots = TestPaths.sourceFixtures + "/help-snapshots"

    func assertSnapshot(
        _ arguments: [String], _ name: String, program: String = CLI.executable, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let run = try CLI.run(program, arguments, environment: ["COLUMNS": "100"])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        let path = HelpEndToEndTests.snapshots + "/" + name + ".txt"
        switch SnapshotMode(environment: ProcessInfo.processInfo.environment) {
        case .update:
            try run.stdout.write(toFile: HelpEndToEndTests.sourceSnapshots + "/" + name + ".txt", atomically: true, encoding: .utf8)
            return
        case let .refused(reason):
            XCTFail(reason, file: file, line: line)
        case .compare:
            break
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(
            run.stdout, expected, "\(arguments.joined(separator: " ")) differs from \(HelpEndToEndTests.sourceSnapshots)/\(name).txt",
            file: file, line: line)
    }

    func testHelpScreensMatchTheirSnapshots() throws {
        try assertSnapshot(["--help"], "text4seg-help")
        try assertSnapshot(["label", "--help"], "label-help")
        try assertSnapshot(["serve", "--help"], "serve-help")
        try assertSnapshot(["eval", "--help"], "eval-help")
        try assertSnapshot(["eval", "run", "--help"], "eval-run-help")
        try assertSnapshot(["eval", "run", "--help-hidden"], "eval-run-help-hidden")
        try assertSnapshot(["eval", "merge", "--help"], "eval-merge-help")
        try assertSnapshot(["--help"], "text4seg-bench-help", program: CLI.benchExecutable)
    }

    /// In CI a request to rewrite the snapshots fails the test instead of passing it.
    func testSnapshotsAreNeverRewrittenInCI() {
        let update = [SnapshotMode.updateVariable: "1"]
        XCTAssertEqual(SnapshotMode(environment: [:]), .compare)
        XCTAssertEqual(SnapshotMode(environment: [SnapshotMode.updateVariable: "0", "CI": "true"]), .compare)
        XCTAssertEqual(SnapshotMode(environment: update), .update)
        XCTAssertEqual(SnapshotMode(environment: update.merging(["CI": "false"]) { $1 }), .update)
        for ci in [["CI": "true"], ["CI": "1"], [Prerequisite.requireAllVariable: "1"]] {
            guard case let .refused(reason) = SnapshotMode(environment: update.merging(ci) { $1 }) else {
                return XCTFail("\(ci): a snapshot update in CI must be refused")
            }
            XCTAssertTrue(reason.contains("never rewritten"), reason)
        }
    }

    func testHelpIsGroupedShowsDefaultsAndExamples() throws {
        for command in [["label"], ["eval", "run"]] {
            let help = try CLI.run(command + ["--help"]).stdout
            for title in ["OUTPUT:", "ENGINE:", "REFINEMENT:", "SERVER (--ENGINE OPENAI):", "LIMITS:"] {
                XCTAssertTrue(help.contains(title), "\(command): \(title)")
            }
            XCTAssertTrue(help.contains("(default: 24)"))
            XCTAssertTrue(help.contains("EXAMPLES:\n  # "), help)
            XCTAssertFalse(help.contains("--watershed-margin"), "tuning knobs are hidden")
            XCTAssertFalse(help.contains("WATERSHED (--REFINE WATERSHED)"), "groups of hidden knobs are hidden")
            let hidden = try CLI.run(command + ["--help-hidden"]).stdout
            XCTAssertTrue(hidden.contains("WATERSHED (--REFINE WATERSHED):\n  --watershed-margin"), hidden)
        }
    }

    func testExitStatusesByKind() throws {
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertNotNil(
            version.stdout.range(of: #"^\d+\.\d+\.\d+ \(commit [0-9a-f]{12}(\+changes)?\)\n$"#, options: .regularExpression), version.stdout
        )

        let misspelt = try CLI.run(["evaluate", "--dataset", "x"])
        XCTAssertEqual(misspelt.status, 64)
        XCTAssertTrue(misspelt.stderr.contains("'evaluate' is not a text4seg command. Did you mean 'eval'?"), misspelt.stderr)

        let badValue = try CLI.run(["label", "x.jpg", "--out", "o", "--engine", "gpt"])
        XCTAssertEqual(badValue.status, 64)
        XCTAssertTrue(badValue.stderr.contains("The value 'gpt' is invalid for '--engine <engine>'"), badValue.stderr)

        // A runtime failure is one message and status 2, with no usage screen after it.
        let noDataset = try CLI.run(["eval", "--dataset", "/nonexistent/dataset", "--engine", "oracle"])
        XCTAssertEqual(noDataset.status, 2)
        XCTAssertTrue(noDataset.stderr.hasPrefix("error: /nonexistent/dataset: does not exist"), noDataset.stderr)
        XCTAssertFalse(noDataset.stderr.contains("Usage:"))
    }

    func testUnknownNamesInAConfigFileSayWhereAndWhat() throws {
        let folder = try CLI.temporaryFolder()
        try "engine: gpt\n".write(toFile: folder + "/c.yaml", atomically: true, encoding: .utf8)
        let run = try CLI.run(["label", CLI.samples + "/images/2007_000033.jpg", "--out", folder + "/o", "--config", folder + "/c.yaml"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(
            run.stderr.contains("c.yaml:1:9: engine: 'gpt' is not one of embedded, clip, openai, oracle, replay"), run.stderr)
    }
}
