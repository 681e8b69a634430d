import Foundation
import Text4SegCore
import XCTest

/// Lists, journals and answers are split into lines whichever line end their writer used.
final class TextLinesTests: XCTestCase {
    func testEveryLineEndSplits() {
        XCTAssertEqual(TextLines.split("a\r\nb\rc\nd"), ["a", "b", "c", "d"])
        XCTAssertEqual(TextLines.split("a\r\n\r\nb\r\n"), ["a", "b"])
        XCTAssertEqual(TextLines.split("a\r\n\r\nb\r\n", omittingEmpty: false), ["a", "", "b", ""])
        // What `split(separator: "\n")` gets wrong: "\r\n" is one Character.
        XCTAssertEqual("a\r\nb".split(separator: "\n").count, 1)
    }

    func testIdListsWithWindowsAndOldMacLineEndsListEveryId() throws {
        let root = NSTemporaryDirectory() + "t4s-lines-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        for (name, text) in [("crlf.txt", "a\r\nb\r\nc\r\n"), ("cr.txt", "a\rb\rc"), ("lf.txt", "a\nb\nc\n")] {
            try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
            let listing = try Dataset.list(at: root, options: Dataset.Options(split: root + "/" + name))
            XCTAssertEqual(listing.items.map(\.id), ["a", "b", "c"], name)
        }
        // A bad id is still named by its line, whatever the line ends.
        try "a\r\n../x\r\n".write(toFile: root + "/bad.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Dataset.list(at: root, options: Dataset.Options(split: root + "/bad.txt"))) {
            XCTAssertTrue("\($0)".contains("bad.txt:2: id '../x'"), "\($0)")
        }
    }

    func testAJournalWithWindowsLineEndsResumesEveryItem() async throws {
        let folder = NSTemporaryDirectory() + "t4s-lines-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/r.json.journal", fingerprint = RunFingerprint(["grid": "24"])
        let (journal, _) = try EvaluationJournal.open(path: path, fingerprint: fingerprint, resume: false)
        try await journal.record(ItemRecord(id: "a", counts: [[0, 1]]))
        try await journal.record(ItemRecord(id: "b", counts: [[0, 2]]))
        await journal.close()
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r\n")
        XCTAssertEqual(try EvaluationJournal.parse(text, path: path, fingerprint: fingerprint).keys.sorted(), ["a", "b"])
    }
}
