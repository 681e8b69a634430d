import Foundation
import Text4SegCore
import XCTest

/// Numbers read back from reports and journals are range-checked before any arithmetic: each
/// tampered value is refused with an error naming the file and the field, never a trap.
final class FieldCheckTests: XCTestCase {
    /// A small real report: three items of VOC scored by hand-made counts.
    func smallReport() throws -> EvaluationReport {
        let vocabulary = try Vocabulary.load("pascal-voc")
        let records = (0..<3).map { n in
            ItemRecord(id: "item\(n)", counts: [[0, 90], [UInt64(1 * 22 + 1), 10], [UInt64(1 * 22 + 0), UInt64(n)]], promptTokens: 5)
        }
        let outcome = try EvaluationRunner.Outcome(records: records, vocabulary: vocabulary)
        return EvaluationReport(
            metrics: outcome.matrix.metrics(.mmseg), outcome: outcome, vocabulary: vocabulary, engine: "oracle", grid: 24,
            refiner: "nearest")
    }

    func refusal(_ report: EvaluationReport, file: StaticString = #filePath, line: UInt = #line) -> FieldRangeError? {
        do {
            try report.validate(file: "r.json")
            XCTFail("accepted", file: file, line: line)
            return nil
        } catch {
            return error as? FieldRangeError
        }
    }

    func testAReportMadeByARunPasses() throws {
        XCTAssertNoThrow(try smallReport().validate(file: "r.json"))
    }

    func testHugeScoresCountsAndShapesAreRefusedByField() throws {
        var report = try smallReport()
        report.classes[1].iou = 1e300
        XCTAssertEqual(refusal(report)?.field, "classes[1].iou")
        XCTAssertEqual(refusal(report)?.description, "r.json: classes[1].iou is 1e+300, outside 0.0…100.0")

        report = try smallReport()
        report.confusion.entries[0][2] = 1 << 63
        XCTAssertEqual(refusal(report)?.field, "confusion.entries[0][2] (pixels, summed)")

        report = try smallReport()
        report.confusion.entries = [[0, 0, 1 << 52], [0, 1, 1 << 52], [1, 1, 1 << 52]]
        XCTAssertEqual(refusal(report)?.field, "confusion.entries[2][2] (pixels, summed)", "each fits; their sum does not")

        report = try smallReport()
        report.confusion.shape = [Int.min, Int.min]
        XCTAssertEqual(refusal(report)?.field, "confusion.shape[0]")

        report = try smallReport()
        report.confusion.entries[0][0] = 22
        XCTAssertEqual(refusal(report)?.field, "confusion.entries[0][0] (row)", "a row past the declared shape")

        report = try smallReport()
        report.items[2].record.counts = [[0, 1 << 63], [1, 1 << 63]]
        XCTAssertEqual(refusal(report)?.field, "items[2].counts[0][1]")

        report = try smallReport()
        report.items[0].record.promptTokens = .max
        XCTAssertEqual(refusal(report)?.field, "items[0].promptTokens")

        report = try smallReport()
        report.items[0].index = -1
        XCTAssertEqual(refusal(report)?.field, "items[0].index")
    }

    func testSumsOfCheckedRecordsAreCheckedToo() throws {
        let vocabulary = try Vocabulary.load("pascal-voc")
        let half = ItemRecord(id: "a", counts: [[0, (1 << 53) - 1]])
        XCTAssertNoThrow(try half.validate(FieldCheck(file: "a.json"), field: "items[0]"))
        XCTAssertThrowsError(try EvaluationRunner.Outcome(records: [half, half], vocabulary: vocabulary, file: "a.json + b.json")) {
            XCTAssertEqual(($0 as? FieldRangeError)?.file, "a.json + b.json")
            XCTAssertEqual(($0 as? FieldRangeError)?.field, "counts (summed over the items)")
        }
        let tokens = ItemRecord(id: "b", counts: [[0, 1]], promptTokens: 1 << 53)
        XCTAssertThrowsError(try EvaluationRunner.Outcome(records: [tokens, tokens], vocabulary: vocabulary)) {
            XCTAssertEqual(($0 as? FieldRangeError)?.field, "promptTokens (summed over the items)")
        }
        // A single matrix's pairs past the limit, each one in range.
        XCTAssertThrowsError(try ConfusionMatrix(classCount: 3, ignoreValue: 255, pairs: [[0, 1 << 63], [1, 1 << 63]]))
    }

    func testAJournalLineWithHugeCountsIsRefusedNamingTheLine() async throws {
        let folder = NSTemporaryDirectory() + "t4s-journal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/r.json.journal", fingerprint = RunFingerprint(["grid": "24"])
        let (journal, _) = try EvaluationJournal.open(path: path, fingerprint: fingerprint, resume: false)
        await journal.close()
        let header = try String(contentsOfFile: path, encoding: .utf8)
        let good =
            #"{"clientSeconds":0,"completionTokens":0,"counts":[[0,5]],"engineSeconds":0,"id":"a","promptTokens":0,"repairs":0,"retries":0}"#
        let bad = good.replacingOccurrences(of: #""id":"a""#, with: #""id":"b""#)
            .replacingOccurrences(of: "[[0,5]]", with: "[[0,9223372036854775808],[1,9223372036854775808]]")
        XCTAssertEqual(try EvaluationJournal.parse(header + good + "\n", path: path, fingerprint: fingerprint).count, 1)
        XCTAssertThrowsError(try EvaluationJournal.parse(header + good + "\n" + bad + "\n", path: path, fingerprint: fingerprint)) {
            XCTAssertEqual("\($0)", "\(path):3: counts[0][1] is 9223372036854775808, outside a sum of 0…9007199254740992")
        }
    }
}
