import Foundation
import Text4SegCore
import Text4SegReports
import Text4SegTestSupport
import XCTest

/// The HTML page's papercuts (issue 22), on hand-made reports whose numbers are known: the heat
/// map's cells show their shares and a colour scale, its labels fit, the gallery's legend comes
/// first, and the per-image table and timing section hold the expected rows.
final class HTMLReportPageTests: XCTestCase {
    /// A vocabulary of the given class names (ids 0…), ignore value 255, loaded from a temporary file.
    func vocabulary(_ names: [String]) throws -> Vocabulary {
        var yaml = "name: hand-made\ndescription: test classes\nignore: 255\nclasses:\n"
        for (id, name) in names.enumerated() { yaml += "  - id: \(id)\n    name: \"\(name)\"\n" }
        let path = try TestPaths.temporaryFolder() + "/hand-made.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try Vocabulary.load(path)
    }

    /// A report of `records` scored over `vocabulary`.
    func report(_ records: [ItemRecord], _ vocabulary: Vocabulary) throws -> EvaluationReport {
        let outcome = try EvaluationRunner.Outcome(records: records, vocabulary: vocabulary)
        return EvaluationReport(
            metrics: outcome.matrix.metrics(.mmseg), outcome: outcome, vocabulary: vocabulary, engine: "oracle", grid: 24,
            refiner: "nearest")
    }

    /// `[index, pixels]` pairs of a 3-class matrix from `[truth, predicted, pixels]` triples.
    func counts(_ cells: [(Int, Int, UInt64)]) -> [[UInt64]] { cells.map { [UInt64($0.0 * 4 + $0.1), $0.2] } }

    /// The ids of the rows of the table with id `anchor`, in page order.
    func ids(in page: String, table anchor: String) throws -> [String] {
        let start = try XCTUnwrap(page.range(of: "<table id=\"\(anchor)\""), anchor)
        let end = try XCTUnwrap(page.range(of: "</table>", range: start.upperBound..<page.endIndex))
        let table = String(page[start.lowerBound..<end.lowerBound])
        let row = try NSRegularExpression(pattern: "<tr><td>[0-9]+</td><td>([^<]*)</td>")
        return row.matches(in: table, range: NSRange(table.startIndex..., in: table)).map {
            String(table[Range($0.range(at: 1), in: table)!])
        }
    }

    func matches(_ pattern: String, _ page: String) throws -> Int {
        try NSRegularExpression(pattern: pattern).numberOfMatches(in: page, range: NSRange(page.startIndex..., in: page))
    }

    // MARK: The heat map

    func testTheSVGCellsShowTheirRowSharesInAReadableColourBesideAScale() throws {
        let voc = try vocabulary(["sky", "tree", "road"])
        // sky: half right, half taken for tree; tree: all right; road: a quarter right, three quarters taken for sky.
        let record = ItemRecord(id: "one", counts: counts([(0, 0, 50), (0, 1, 50), (1, 1, 100), (2, 2, 25), (2, 0, 75)]))
        let page = try HTMLReport(report: try report([record], voc), vocabulary: voc, gallery: []).html()
        let cell = { (truth: String, predicted: String, percent: String, colour: String) in
            "truth \(truth) → predicted \(predicted): \(percent).00%</title></rect><text class=\"share\" [^>]*fill=\"\(colour)\">"
        }
        XCTAssertEqual(try matches(cell("sky", "tree", "50", "#111") + "50</text>", page), 1, "half of sky, dark on a light cell")
        XCTAssertEqual(try matches(cell("sky", "sky", "50", "#111") + "50</text>", page), 1)
        XCTAssertEqual(try matches(cell("tree", "tree", "100", "#fff") + "100</text>", page), 1, "white on the darkest cell")
        XCTAssertEqual(try matches(cell("road", "sky", "75", "#fff") + "75</text>", page), 1)
        XCTAssertEqual(try matches(cell("road", "road", "25", "#111") + "25</text>", page), 1)
        XCTAssertTrue(page.contains("truth sky → predicted road: 0.00%</title></rect><rect"), "an empty cell stays blank")
        XCTAssertEqual(page.components(separatedBy: "<text class=\"share\"").count - 1, 5, "five non-empty cells")
        XCTAssertEqual(try matches("</svg><div class=\"scale\"[^>]*><i></i>.*<span>100%</span><span>50%</span><span>0%</span>", page), 1)
    }

    func testSmallCellsLeaveTheNumbersToTheTooltipAndThePNGMapHasTheScaleToo() throws {
        let (many, _) = try SyntheticReport.vocabulary(classes: 40)
        let svg = try HTMLReport(report: try SyntheticReport.make(vocabulary: many), vocabulary: many, gallery: []).html()
        XCTAssertFalse(svg.contains("class=\"share\""), "14 px cells are too small for legible numbers")
        XCTAssertTrue(svg.contains("→ predicted class-1: 9.01%</title>"), "the tooltip stays")
        XCTAssertTrue(svg.contains("<div class=\"scale\""))
        let (more, _) = try SyntheticReport.vocabulary(classes: HTMLReport.svgHeatmapClasses + 1)
        let png = try HTMLReport(report: try SyntheticReport.make(vocabulary: more), vocabulary: more, gallery: []).html()
        XCTAssertEqual(try matches("<img class=\"heatmap\"[^>]*><div class=\"scale\"", png), 1, "the scale beside the PNG map")
    }

    func testALongClassNameFitsInsideTheSVG() throws {
        let long = "a class name of thirty letters"
        XCTAssertEqual(long.count, 30)
        let voc = try vocabulary(["sky", long, "road"])
        let record = ItemRecord(id: "one", counts: counts([(0, 0, 10), (1, 1, 10)]))
        let page = try HTMLReport(report: try report([record], voc), vocabulary: voc, gallery: []).html()
        let shown = "a class name of thirty…"  // 23 characters, less the space before the ellipsis
        XCTAssertTrue(page.contains("<title>\(long)</title>\(shown)</text>"), "cut with an ellipsis, the full name in a title")
        // Hand-checked: DejaVu Sans draws lowercase letters and spaces at 0.6 em on average, 7.2 px at 12 px,
        // and the ellipsis at 1 em: the shown label is about 22 × 7.2 + 12 = 170 px long.
        let length = 22 * 7.2 + 12
        let svg = try NSRegularExpression(
            pattern: "<svg class=\"heatmap\"[^>]* width=\"([0-9]+)\" height=\"([0-9]+)\" viewBox=\"0 0 ([0-9]+) ([0-9]+)\"")
        let size = try XCTUnwrap(svg.firstMatch(in: page, range: NSRange(page.startIndex..., in: page)))
        let number = { (n: Int) in Double(String(page[Range(size.range(at: n), in: page)!])) ?? 0 }
        XCTAssertEqual(number(1), number(3), "the viewBox is the box")
        let rotated = try NSRegularExpression(pattern: "translate\\(([0-9]+),([0-9]+)\\) rotate\\(-60\\)\"><title>")
        let anchor = try XCTUnwrap(rotated.firstMatch(in: page, range: NSRange(page.startIndex..., in: page)))
        let x = Double(String(page[Range(anchor.range(at: 1), in: page)!])) ?? 0
        let y = Double(String(page[Range(anchor.range(at: 2), in: page)!])) ?? 0
        XCTAssertGreaterThan(y, length * 0.866, "the column label rises sin 60° of its length and stays below the top")
        XCTAssertGreaterThan(number(1), x + length * 0.5, "and runs cos 60° of it to the right, inside the width")
        let row = try NSRegularExpression(pattern: "<text x=\"([0-9]+)\" y=\"[0-9]+\" text-anchor=\"end\"><title>")
        let end = try XCTUnwrap(row.firstMatch(in: page, range: NSRange(page.startIndex..., in: page)))
        XCTAssertGreaterThan(Double(String(page[Range(end.range(at: 1), in: page)!])) ?? 0, length, "the row label ends right of it")
    }

    // MARK: The gallery

    func testTheGalleryLegendComesBeforeTheImages() throws {
        let voc = try vocabulary(["sky", "tree", "road"])
        let record = ItemRecord(id: "one", counts: counts([(0, 0, 2), (1, 1, 2)]))
        let truth = LabelMap(width: 2, height: 2, values: [0, 0, 1, 1])
        let item = HTMLReport.GalleryItem(
            id: "one", mIoU: 100, image: RGBImage(width: 2, height: 2), truth: truth, prediction: truth, group: "worst")
        let page = try HTMLReport(report: try report([record], voc), vocabulary: voc, gallery: [item]).html()
        let legend = try XCTUnwrap(page.range(of: "<section id=\"gallery\"><h2>Gallery</h2><div class=\"legend\">"))
        let images = try XCTUnwrap(page.range(of: "<table class=\"gallery\">"))
        XCTAssertLessThan(legend.upperBound, images.lowerBound)
        XCTAssertTrue(page[legend.upperBound..<images.lowerBound].contains("</i>sky</span><span>"), "sky and tree named")
    }

    // MARK: The per-image table and the timing section

    func testThePerImageTableIsWrittenInThreeOrders() throws {
        let voc = try vocabulary(["sky", "tree", "road"])
        let records = ["b", "a", "c", "d<script>alert(1)</script>"].map { ItemRecord(id: $0, counts: counts([(0, 0, 10)])) }
        var made = try report(records + [.failure("e", "engine said <b>no</b>")], voc)
        for (n, (mIoU, seconds)) in [(80.0, 2.0), (20, 0.5), (nil, 3), (50, 1)].enumerated() {
            made.items[n].mIoU = mIoU
            made.items[n].seconds = seconds
        }
        let page = try HTMLReport(report: made, vocabulary: voc, gallery: []).html()
        let d = "d&lt;script&gt;alert(1)&lt;/script&gt;"
        XCTAssertEqual(try ids(in: page, table: "images-by-miou"), ["a", d, "b", "c"], "worst first, the unscored last")
        XCTAssertEqual(try ids(in: page, table: "images-by-id"), ["a", "b", "c", d])
        XCTAssertEqual(try ids(in: page, table: "images-by-seconds"), ["c", "b", d, "a"], "slowest first")
        XCTAssertFalse(page.contains("<script"), "ids stay escaped")
        XCTAssertEqual(page.components(separatedBy: "<a href=\"#images-by-seconds\">seconds</a>").count - 1, 3, "each order links")
        XCTAssertTrue(page.contains("<th scope=\"col\" aria-sort=\"descending\"><a href=\"#images-by-seconds\">seconds</a> ▼</th>"))
        XCTAssertTrue(page.contains("<td>e</td><td>engine said &lt;b&gt;no&lt;/b&gt;</td>"), "the failed image with its error")
        // The default order is the last of the three, so that a targeted one before it can hide it.
        let orders = ["images-by-id", "images-by-seconds", "images-by-miou"].compactMap {
            page.range(of: "<table id=\"\($0)\"")?.lowerBound
        }
        XCTAssertEqual(orders, orders.sorted())
        XCTAssertEqual(orders.count, 3)
        XCTAssertTrue(page.contains(".orders>table:target~#images-by-miou{display:none}"))
    }

    func testTheTimingSectionGivesTheMedianAndP90OfKnownSeconds() throws {
        let voc = try vocabulary(["sky", "tree", "road"])
        var made = try report((1...10).map { ItemRecord(id: "i\($0)", counts: counts([(0, 0, 1)])) }, voc)
        for n in made.items.indices { made.items[n].seconds = Double(n + 1) }
        made.seconds = 20
        let page = try HTMLReport(report: made, vocabulary: voc, gallery: []).html()
        for (name, value) in [
            ("total seconds", "55.000"), ("mean", "5.500"), ("median", "5.500"), ("p90", "9.000"), ("max", "10.000"),
            ("images per second", "0.50 (10 images in the run's 20.000 s)"),
        ] {
            XCTAssertTrue(page.contains("<tr><th>\(name)</th><td>\(value)</td></tr>"), name)
        }
        XCTAssertTrue(page.contains("<h3>The 5 slowest</h3>"))
        XCTAssertEqual(try matches("<tr><td>i10</td><td>10.000</td></tr><tr><td>i9</td><td>9.000</td></tr>", page), 1)
    }

    func testReportsWithoutItemsOrTimesSayItWithoutDividingByZero() throws {
        let voc = try vocabulary(["sky", "tree", "road"])
        let failed = try report([.failure("x", "unreadable"), .failure("y", "timeout")], voc)
        var untimed = try report([ItemRecord(id: "z", counts: counts([(0, 0, 1)]))], voc)
        untimed.items[0].seconds = 0
        untimed.seconds = 0
        for (made, says) in [
            (failed, "No image was evaluated, so there are no times per image."), (try report([], voc), "No image was evaluated."),
            (untimed, "No image of the report has a time recorded (each took 0 s)."),
        ] {
            let page = try HTMLReport(report: made, vocabulary: voc, gallery: []).html()
            XCTAssertTrue(page.contains(says), says)
            XCTAssertEqual(try matches("(?i)\\b(nan|inf)\\b", page), 0, "no NaN or infinity")
        }
        let page = try HTMLReport(report: failed, vocabulary: voc, gallery: []).html()
        XCTAssertTrue(page.contains("<h3>2 failed</h3>"))
        XCTAssertTrue(page.contains("<td>x</td><td>unreadable</td>"))
    }
}
