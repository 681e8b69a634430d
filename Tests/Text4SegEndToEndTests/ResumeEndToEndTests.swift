import Foundation
import Text4SegTestSupport
import XCTest

/// Killed and interrupted evaluations against a slow server, resumed with `--resume`.
final class ResumeEndToEndTests: XCTestCase {
    func startEval(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Ids in the journal (finished items), once at least `count` are there.
    func waitForJournal(_ path: String, count: Int, process: Process) throws -> Set<String> {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let ids = text.split(separator: "\n").dropFirst().compactMap { line -> String? in
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["counts"] != nil
                    else { return nil }
                    return object["id"] as? String
                }
                if ids.count >= count { return Set(ids) }
            }
            XCTAssertTrue(process.isRunning, "the evaluation ended before it could be interrupted")
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw StubError("the journal did not grow")
    }

    func withoutTimings(_ report: [String: Any]) -> NSDictionary { ReportTimings.removed(from: report) }

    /// Evaluates `root` whole through a slow stub server, then again killed (SIGKILL) once `killAfter`
    /// items are journaled, resumes it, and checks that no finished item ran again and the reports agree.
    func assertKilledRunResumesToTheSameReport(
        _ root: String, items: Int, killAfter: Int, latency: String, concurrency: String, extra: [String] = []
    ) throws {
        let server = try StubServer(dataset: root, ["--latency", latency])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        let common = ["eval", "--dataset", root, "--engine", "openai", "--base-url", server.baseURL, "--concurrency", concurrency] + extra
        let whole = try CLI.run(common + ["--report", folder + "/whole.json"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let process = try startEval(common + ["--report", folder + "/run.json"])
        let finished = try waitForJournal(folder + "/run.json.journal", count: killAfter, process: process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/run.json"), "no report from a killed run")
        let finishedNow = try waitForJournal(folder + "/run.json.journal", count: finished.count, process: Process())

        let resumed = try CLI.run(common + ["--report", folder + "/run.json", "--resume", "--verbose"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("resumed: \(finishedNow.count) items"), resumed.stderr)
        let redone = resumed.stderr.split(separator: "\n").filter { $0.hasPrefix("done: ") }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(redone.count, items - finishedNow.count)
        XCTAssertGreaterThan(redone.count, 0, "the kill came before the end")
        XCTAssertTrue(finishedNow.isDisjoint(with: redone), "finished items ran again")
        XCTAssertEqual(withoutTimings(try CLI.json(folder + "/whole.json")), withoutTimings(try CLI.json(folder + "/run.json")))
        for report in ["whole", "run"] {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: folder + "/\(report).json.journal"), "a complete report leaves no journal")
        }
    }

    func testTheJournalStaysWhileFailedItemsRemainToRetry() throws {
        let folder = try CLI.temporaryFolder()
        try FileManager.default.copyItem(atPath: CLI.samples, toPath: folder + "/voc")
        // One image that cannot be read: the report lists it, and --resume will run it again.
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: folder + "/voc/images/2007_000452.jpg"))
        let common = ["eval", "--dataset", folder + "/voc", "--engine", "oracle", "--report", folder + "/r.json", "--quiet"]
        let failed = try CLI.run(common)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/r.json.journal"))
        XCTAssertTrue(failed.stderr.contains("r.json.journal is kept: --resume runs the 1 failed items again"), failed.stderr)
        try FileManager.default.removeItem(atPath: folder + "/voc/images/2007_000452.jpg")
        try FileManager.default.copyItem(atPath: CLI.samples + "/images/2007_000452.jpg", toPath: folder + "/voc/images/2007_000452.jpg")
        let resumed = try CLI.run(common + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/r.json.journal"))
    }

    /// On the twelve committed VOC pairs, so that it runs on a fresh clone.
    func testAKilledEvaluationResumesWithoutRedoingFinishedItems() throws {
        try assertKilledRunResumesToTheSameReport(TestPaths.voc12, items: 12, killAfter: 4, latency: "0.3", concurrency: "2")
    }

    /// The 290-image dev set, killed halfway.
    func testTheDevSetKilledHalfwayResumesToTheSameReport() throws {
        try assertKilledRunResumesToTheSameReport(
            try TestPaths.requireVOCDev(), items: 290, killAfter: 145, latency: "0.02", concurrency: "4", extra: ["--refine", "nearest"])
    }

    func testCtrlCStopsCleanlyAndResumeFinishes() throws {
        let server = try StubServer(dataset: CLI.samples, ["--latency", "0.4"])
        defer { server.stop() }
        let folder = try CLI.temporaryFolder()
        let common = [
            "eval", "--dataset", CLI.samples, "--engine", "openai", "--base-url", server.baseURL, "--concurrency", "1", "--report",
            folder + "/r.json",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = common
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        _ = try waitForJournal(folder + "/r.json.journal", count: 1, process: process)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("--resume"), stderr)
        let resumed = try CLI.run(common + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try CLI.json(folder + "/r.json")["images"] as? Int, 3)
        let perItem = try server.stats()["per_item"] as! [String: Int]
        XCTAssertEqual(perItem.count, 3)
        XCTAssertLessThanOrEqual(perItem.values.reduce(0, +), 4, "only an item cut short by Ctrl-C is asked again")
    }
}
