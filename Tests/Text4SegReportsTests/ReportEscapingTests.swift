import Foundation
import Text4SegCore
import Text4SegReports
import XCTest

/// Names from a vocabulary or a dataset are data wherever they are written: a spreadsheet does
/// not run them, a Markdown table keeps one row per class with nothing live, and a terminal
/// shows their control bytes instead of obeying them.
final class ReportEscapingTests: XCTestCase {
    func testSpreadsheetFormulasAreWrittenAsText() {
        XCTAssertEqual(EvaluationReport.csvText("=HYPERLINK(\"http://x\",\"y\")"), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        for lead in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            XCTAssertEqual(EvaluationReport.csvText(lead), "\"'" + lead + "\"", lead)
        }
        XCTAssertEqual(EvaluationReport.csvText("potted plant"), "potted plant")
        XCTAssertEqual(EvaluationReport.csvText("a,b"), "\"a,b\"")
        XCTAssertEqual(EvaluationReport.csvText("a=b"), "a=b", "only a leading character makes a formula")
    }

    func testMarkdownCellsHoldNoRowBreakTagOrLink() {
        XCTAssertEqual(EvaluationReport.markdownText("a|b"), "a\\|b")
        XCTAssertEqual(EvaluationReport.markdownText("a\nb"), "a\\\\nb", "a line end is shown, not obeyed")
        XCTAssertEqual(EvaluationReport.markdownText("<img src=x onerror=alert(1)>"), "\\<img src\\=x onerror\\=alert\\(1\\)\\>")
        XCTAssertEqual(EvaluationReport.markdownText("[x](javascript:alert(1))"), "\\[x\\]\\(javascript\\:alert\\(1\\)\\)")
        XCTAssertEqual(EvaluationReport.markdownText("`code` *em* _em_ \\"), "\\`code\\` \\*em\\* \\_em\\_ \\\\")
        XCTAssertEqual(EvaluationReport.markdownText("potted plant"), "potted plant")
    }

    func testControlBytesAreShownEscaped() {
        XCTAssertEqual(TerminalText.escaped("a\u{1B}[31mred\rb"), "a\\u{1B}[31mred\\rb")
        XCTAssertEqual(TerminalText.escaped("x\u{7F}\u{9B}\u{202E}y"), "x\\u{7F}\\u{9B}\\u{202E}y")
        XCTAssertEqual(TerminalText.escaped("line 1\nline 2\tend", keepingLineBreaks: true), "line 1\nline 2\tend")
        XCTAssertEqual(TerminalText.escaped("line 1\nline 2"), "line 1\\nline 2")
        XCTAssertEqual(TerminalText.escaped("café ✓"), "café ✓")
    }

    func testTablesKeepOneRowPerClass() throws {
        let vocabulary = try Vocabulary.load("pascal-voc")
        let outcome = try EvaluationRunner.Outcome(
            records: [ItemRecord(id: "a\u{1B}]0;x\u{7}", counts: [[0, 4], [23, 2]])], vocabulary: vocabulary)
        var report = EvaluationReport(
            metrics: outcome.matrix.metrics(.mmseg), outcome: outcome, vocabulary: vocabulary, engine: "oracle", grid: 24,
            refiner: "nearest")
        report.classes[1].name = "=cmd|'/c calc'!A0\n| injected | row |"
        XCTAssertTrue(report.csv().contains("\r\n1,\"'=cmd|'/c calc'!A0\n| injected | row |\","), report.csv())
        let markdown = report.markdown().split(separator: "\n")
        XCTAssertEqual(markdown.filter { $0.hasPrefix("| ") }.count, 1 + 21 + 1, "header, one row per class, the means")
        XCTAssertFalse(report.table().contains("\u{1B}"))
        XCTAssertEqual(report.table().split(separator: "\n").count, 1 + 21 + 3)
        XCTAssertFalse(report.worst(3).contains("\u{1B}"))
        XCTAssertTrue(report.worst(3).contains("a\\u{1B}]0;x\\u{7}"), report.worst(3))
    }
}
