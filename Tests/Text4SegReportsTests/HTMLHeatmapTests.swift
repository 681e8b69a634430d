import Foundation
import Text4SegCore
import Text4SegReports
import Text4SegTestSupport
import XCTest

/// The HTML page's size does not grow with the square of the classes: a few classes get SVG
/// cells, many get one PNG and a table of the most confused pairs.
final class HTMLHeatmapTests: XCTestCase {
    func testTwelveHundredClassesMakeASmallPageWithOnePNGHeatmap() throws {
        let (vocabulary, _) = try SyntheticReport.vocabulary(classes: 1200)
        let report = try SyntheticReport.make(vocabulary: vocabulary)
        let start = Date()
        let page = try HTMLReport(report: report, vocabulary: vocabulary, gallery: []).html()
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "made in seconds")
        XCTAssertLessThan(page.utf8.count, 2 << 20, "\(page.utf8.count) bytes: far under 15 MB")
        XCTAssertLessThanOrEqual(page.components(separatedBy: "<rect").count - 1, HTMLReport.barClasses, "bars only, no SVG cells")
        XCTAssertEqual(page.components(separatedBy: "<img class=\"heatmap\" src=\"data:image/png;base64,").count, 2)
        XCTAssertTrue(page.contains("1200 classes are present: the 1024 with the most pixels are drawn"), "what is drawn is said")
        // The most confused pair is named: class c loses 100 of its 1,110 pixels to class c + 1.
        XCTAssertTrue(page.contains("<tr><td>class-0</td><td>class-1</td><td>9.01%</td></tr>"))
        // The PNG decodes to one pixel per pair of the 1,024 drawn classes.
        let base64 = try XCTUnwrap(page.components(separatedBy: "data:image/png;base64,").last?.split(separator: "\"").first)
        let png = try PNGCodec.decode(try XCTUnwrap(Data(base64Encoded: String(base64))))
        XCTAssertEqual([png.width, png.height], [1024, 1024])
    }

    func testAFewClassesKeepTheirSVGCells() throws {
        let (vocabulary, _) = try SyntheticReport.vocabulary(classes: 12)
        let page = try HTMLReport(report: try SyntheticReport.make(vocabulary: vocabulary), vocabulary: vocabulary, gallery: []).html()
        XCTAssertEqual(page.components(separatedBy: "<rect").count - 1, 12 + 12 * 12, "12 bars and 144 cells")
        XCTAssertFalse(page.contains("<img class=\"heatmap\""))
    }

    func testAPageOfAReportWithOutOfRangeNumbersIsRefused() throws {
        let (vocabulary, _) = try SyntheticReport.vocabulary(classes: 12)
        var report = try SyntheticReport.make(vocabulary: vocabulary)
        report.confusion.entries[0][2] = UInt64.max
        XCTAssertThrowsError(try HTMLReport(report: report, vocabulary: vocabulary, gallery: []).html()) {
            XCTAssertTrue($0 is FieldRangeError, "\($0)")
        }
    }
}
