import Foundation
import Text4SegTestSupport
import XCTest

/// The README's Slurm job array (`scripts/slurm_eval_array.sbatch`) on a real scheduler: a
/// one-node cluster on loopback (`scripts/slurm_cluster.sh`) runs the dev set in four shards, and
/// `eval merge` of the shard reports equals one unsharded run.
final class SlurmEndToEndTests: XCTestCase {
    func testTheJobArraysShardsMergeIntoOneRun() throws {
        try Prerequisite.slurm.require()
        let dev = try TestPaths.requireVOCDev()
        let folder = try CLI.temporaryFolder()
        let engine = ["--engine", "oracle", "--refine", "nearest"]
        let whole = try CLI.run(["eval", "--dataset", dev] + engine + ["--quiet", "--report", folder + "/whole.json"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let cluster = folder + "/cluster", results = folder + "/results"
        let clusterScript = TestPaths.packageRoot + "/scripts/slurm_cluster.sh"
        defer { _ = try? CLI.run("/bin/bash", [clusterScript, "stop", cluster]) }
        // Ports of its own, beside those of a cluster a user started with the script's default.
        let start = try CLI.run("/bin/bash", [clusterScript, "start", cluster], environment: ["CLUSTER_PORT": "16827"])
        guard start.status == 0 else { return XCTFail("the cluster did not start:\n\(start.stderr)") }
        XCTAssertEqual(start.stdout, "export SLURM_CONF=\(cluster)/slurm.conf\n")

        let slurm = [
            "SLURM_CONF": cluster + "/slurm.conf", "TEXT4SEG": CLI.executable, "DATASET": dev, "SHARDS": "4", "RESULTS": results,
            "NAME": "voc",
        ]
        let submit = try CLI.run(
            "/usr/bin/env",
            [
                "sbatch", "--parsable", "--array=0-3", "--cpus-per-task=1", "--output=\(folder)/task-%a.out",
                TestPaths.packageRoot + "/scripts/slurm_eval_array.sbatch",
            ] + engine, environment: slurm)
        XCTAssertEqual(submit.status, 0, submit.stderr)
        let job = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Polled every half second for at most ten minutes: `sbatch --wait` looks after 2 and 10 s and then
        // every 32 s, which would be most of this test's time. squeue lists nothing once every task has ended
        // (or if it fails; the states below then fail the test).
        let deadline = Date().addingTimeInterval(600)
        var queued = "?"
        while !queued.isEmpty && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            queued = try CLI.run("/usr/bin/env", ["squeue", "--noheader", "--jobs=" + job, "--format=%i"], environment: slurm).stdout
        }
        let taskLogs = (0..<4).map { (try? String(contentsOfFile: "\(folder)/task-\($0).out", encoding: .utf8)) ?? "" }.joined()
        XCTAssertEqual(queued, "", "the array is still queued after ten minutes")
        // One line per task, each with its state and its script's exit status.
        let tasks = try CLI.run("/usr/bin/env", ["scontrol", "--oneliner", "show", "job", job], environment: slurm)
        let lines = tasks.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, tasks.stdout + tasks.stderr)
        for line in lines {
            XCTAssertTrue(line.contains(" JobState=COMPLETED ") && line.contains(" ExitCode=0:0 "), "\(line)\n\(taskLogs)")
        }
        let shards = (0..<4).map { "\(results)/voc-\($0).json" }
        for shard in shards { XCTAssertTrue(FileManager.default.fileExists(atPath: shard), "\(shard) is missing: \(taskLogs)") }

        let merged = try CLI.run(["eval", "merge"] + shards + ["--report", folder + "/merged.json"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(merged.stdout, whole.stdout, "the merged table is the whole run's")

        let mergedConfusion = try XCTUnwrap(try CLI.json(folder + "/merged.json")["confusion"] as? [String: Any])
        let wholeConfusion = try XCTUnwrap(try CLI.json(folder + "/whole.json")["confusion"] as? [String: Any])
        XCTAssertEqual(mergedConfusion["shape"] as? [Int], wholeConfusion["shape"] as? [Int])
        // [ground truth, prediction, pixels]: every cell the one run counted, and no other.
        let cells = { (confusion: [String: Any]) in
            (confusion["entries"] as? [[Int]] ?? []).sorted { $0.lexicographicallyPrecedes($1) }
        }
        XCTAssertGreaterThan(cells(wholeConfusion).count, 21, "the dev set fills more than the diagonal")
        XCTAssertEqual(cells(mergedConfusion), cells(wholeConfusion))
    }
}
