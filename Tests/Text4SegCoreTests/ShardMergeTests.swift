import Foundation
import Text4SegCore
import XCTest

/// `EvaluationReport.merging`, as a program using the library calls it: shard reports made in
/// memory, merged, and compared with hand-computed scores and with the one-run report.
final class ShardMergeTests: XCTestCase {
    let vocabulary = try! Vocabulary.load("pascal-voc")

    /// `pixels` of truth `row` predicted as `column`, as an item record counts them.
    func record(_ id: String, _ cells: [(row: Int, column: Int, pixels: UInt64)]) -> ItemRecord {
        let side = vocabulary.labelCount + 1
        return ItemRecord(id: id, counts: cells.map { [UInt64($0.row * side + $0.column), $0.pixels] })
    }

    /// The report of `records` at `positions` of a split of `total`, as shard `shard` (or the whole run).
    func report(_ records: [ItemRecord], positions: [Int], total: Int, shard: String?) throws -> EvaluationReport {
        let outcome = try EvaluationRunner.Outcome(records: records, vocabulary: vocabulary)
        var report = EvaluationReport(
            metrics: outcome.matrix.metrics(.mmseg), outcome: outcome, vocabulary: vocabulary, engine: "oracle", grid: 24,
            refiner: "nearest", positions: Dictionary(uniqueKeysWithValues: zip(records.map(\.id), positions)))
        report.settings = ["engine": "oracle", "grid": "24", "refine": "nearest", "protocol": "mmseg", "shard": shard ?? "none"]
        report.dataset = EvaluationReport.Source(path: "/data/VOC2012", layout: "voc", split: "val", total: total, shard: shard)
        return report
    }

    lazy var items = [
        record("a", [(0, 0, 1_000)]),
        record("b", [(1, 1, 100), (1, 0, 100)]),
        record("c", [(15, 15, 50)]),
        ItemRecord.failure("d", "cannot read d.jpg"),
    ]

    func shards() throws -> [(path: String, report: EvaluationReport)] {
        [
            ("s0.json", try report([items[0], items[2]], positions: [0, 2], total: 4, shard: "0/2")),
            ("s1.json", try report([items[1], items[3]], positions: [1, 3], total: 4, shard: "1/2")),
        ]
    }

    func testTwoShardsMergeIntoTheHandComputedScoresAndTheOneRunReport() throws {
        let merged = try EvaluationReport.merging(try shards(), vocabulary: vocabulary, tool: "text4seg test")
        // background: 1000 / (1000 + 100) · person: 50 / 50 · aeroplane: 100 / 200.
        XCTAssertEqual(merged.mIoU, (1_000.0 / 1_100 + 1 + 0.5) / 3 * 100, accuracy: 1e-9)
        XCTAssertEqual(merged.aAcc, 1_150.0 / 1_250 * 100, accuracy: 1e-9)
        XCTAssertEqual(merged.items.map(\.record.id), ["a", "b", "c"])
        XCTAssertEqual(merged.items.map(\.index), [0, 1, 2])
        XCTAssertEqual(merged.failed.map(\.id), ["d"])
        XCTAssertEqual(merged.failed.map(\.index), [3])
        XCTAssertEqual(merged.dataset?.shard, nil)
        XCTAssertEqual(merged.settings["shard"], "none")
        XCTAssertEqual(merged.tool, "text4seg test")
        let whole = try report(items, positions: [0, 1, 2, 3], total: 4, shard: nil)
        XCTAssertEqual(merged.confusion, whole.confusion)
        XCTAssertEqual(merged.classes.map(\.iou), whole.classes.map(\.iou))
    }

    func testShardsThatDoNotMakeTheSplitAreRefusedByName() throws {
        let (first, second) = (try shards()[0], try shards()[1])
        XCTAssertThrowsError(try EvaluationReport.merging([first], vocabulary: vocabulary, tool: "t")) {
            XCTAssertEqual($0 as? ShardMergeError, .missingShards([Shard(index: 1, count: 2)!]))
            XCTAssertEqual("\($0)", "missing shard 1/2")
        }
        XCTAssertThrowsError(try EvaluationReport.merging([first, first], vocabulary: vocabulary, tool: "t")) {
            XCTAssertEqual("\($0)", "s0.json and s0.json are both shard 0/2: they overlap")
        }
        var changed = second
        changed.report.settings["grid"] = "16"
        XCTAssertThrowsError(try EvaluationReport.merging([first, changed], vocabulary: vocabulary, tool: "t")) {
            guard case .settingsDiffer(let path, let against, let differences) = $0 as? ShardMergeError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual([path, against], ["s1.json", "s0.json"])
            XCTAssertEqual(differences.count, 1)
            XCTAssertTrue(differences[0].contains("grid"), differences[0])
        }
        var whole = second
        whole.report.dataset?.shard = nil
        XCTAssertThrowsError(try EvaluationReport.merging([first, whole], vocabulary: vocabulary, tool: "t")) {
            XCTAssertEqual($0 as? ShardMergeError, .notAShard(path: "s1.json"))
        }
        XCTAssertThrowsError(try EvaluationReport.merging([], vocabulary: vocabulary, tool: "t")) {
            XCTAssertEqual($0 as? ShardMergeError, .noReports)
        }
    }

    func testShardTextIsCheckedAndSelectsRoundRobin() {
        XCTAssertEqual(Shard("1/3").map { $0.select(Array(0..<8)) }, [1, 4, 7])
        for bad in ["3/3", "-1/2", "1/0", "1", "a/b", "1/2/3", "0/100001", ""] { XCTAssertNil(Shard(bad), bad) }
        XCTAssertEqual(Shard("0/100000")?.count, 100_000)
    }
}
