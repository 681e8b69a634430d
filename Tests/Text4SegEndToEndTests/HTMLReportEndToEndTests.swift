import Foundation
import Text4SegCore
import Text4SegReports
import Text4SegTestSupport
import XCTest

/// The HTML evaluation report, opened in a real browser: headless Chromium loads it inside a
/// harness page (same folder, file access allowed) that counts the images that loaded and the
/// charts' shapes, and Chromium's log is searched for console errors.
final class HTMLReportEndToEndTests: XCTestCase {
    /// Loads the page twice: plainly, and at `#images-by-seconds` to see which order of the
    /// per-image table CSS `:target` shows. Besides the counts it reports the heat map's labels
    /// whose boxes leave the SVG's box, and where the gallery's legend is once the reader has
    /// scrolled to the last row of images.
    static let harness = """
        <!DOCTYPE html><html><body><pre id="result">pending</pre>
        <iframe id="report" src="report.html" style="width:1280px;height:3000px"></iframe>
        <iframe id="seconds" src="report.html#images-by-seconds" style="width:1280px;height:800px"></iframe>
        <script>
        const frames = ["report", "seconds"].map(id => document.getElementById(id));
        let loaded = 0;
        frames.forEach(f => f.addEventListener("load", () => { if (++loaded === frames.length) measure(); }));
        function shown(d) {
          return ["images-by-miou", "images-by-id", "images-by-seconds"].filter(id => {
            const e = d.getElementById(id);
            return e !== null && d.defaultView.getComputedStyle(e).display !== "none";
          });
        }
        function measure() {
          const d = frames[0].contentDocument;
          const images = Array.from(d.images);
          const svg = d.querySelector("svg.heatmap");
          const clipped = [];
          if (svg) {
            const box = svg.getBoundingClientRect();
            svg.querySelectorAll("text").forEach(t => {
              const r = t.getBoundingClientRect();
              if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
                clipped.push(t.textContent);
              }
            });
          }
          const legend = d.querySelector("#gallery .legend");
          const rows = d.querySelectorAll("#gallery table.gallery img");
          let legendInView = null;
          if (legend && rows.length > 0) {
            const last = rows[rows.length - 1];
            last.scrollIntoView();
            const l = legend.getBoundingClientRect(), r = last.getBoundingClientRect();
            legendInView = l.top >= 0 && l.bottom > 0 && l.top <= r.top + 1;
          }
          const defaultOrder = d.getElementById("images-by-miou");
          document.getElementById("result").textContent = JSON.stringify({
            images: images.length,
            loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
            bars: d.querySelectorAll("svg.bars rect").length,
            cells: d.querySelectorAll("svg.heatmap rect").length,
            shares: d.querySelectorAll("svg.heatmap text.share").length,
            labels: svg ? svg.querySelectorAll("text:not(.share)").length : 0,
            clipped: clipped,
            scales: d.querySelectorAll(".heatmap-box .scale").length,
            title: d.title,
            heatmaps: d.querySelectorAll("img.heatmap").length,
            legendInGallery: legend !== null,
            legendInView: legendInView,
            orders: d.querySelectorAll("table.images").length,
            shownByDefault: shown(d),
            shownAtSeconds: shown(frames[1].contentDocument),
            defaultRows: defaultOrder ? defaultOrder.querySelectorAll("tr").length - 1 : 0,
            timing: d.querySelectorAll("#timing table").length
          });
        }
        </script></body></html>
        """

    /// Runs `eval --html` on `dataset`, opens the page in Chromium, and returns what the harness counted.
    func openInChromium(_ dataset: String, gallery: Int, extra: [String] = []) throws -> (result: [String: Any], folder: String) {
        try Prerequisite.chromium.require()
        let folder = try CLI.temporaryFolder()
        let run = try CLI.run(
            [
                "eval", "--dataset", dataset, "--engine", "oracle", "--quiet", "--report", folder + "/r.json", "--html",
                folder + "/report.html",
                "--gallery", "\(gallery)",
            ] + extra)
        XCTAssertEqual(run.status, 0, run.stderr)
        return (try browse(folder), folder)
    }

    /// Opens `folder/report.html` in Chromium through the harness and returns what it counted.
    func browse(_ folder: String) throws -> [String: Any] {
        try HTMLReportEndToEndTests.harness.write(toFile: folder + "/check.html", atomically: true, encoding: .utf8)
        let browser = try CLI.run(
            Prerequisite.chromiumPath,
            [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + folder + "/profile", "--virtual-time-budget=15000", "--dump-dom", "file://" + folder + "/check.html",
            ])
        XCTAssertEqual(browser.status, 0, browser.stderr)
        let console = browser.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") }
        XCTAssertTrue(console.isEmpty, "console messages: \(console)")
        let pattern = try NSRegularExpression(pattern: "<pre id=\"result\">(.*?)</pre>")
        let dom = browser.stdout
        let match = try XCTUnwrap(pattern.firstMatch(in: dom, range: NSRange(dom.startIndex..., in: dom)), dom.prefix(500).description)
        let text = String(dom[Range(match.range(at: 1), in: dom)!]).replacingOccurrences(of: "&quot;", with: "\"")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testTheReportOpensInChromiumWithEveryImageLoadedAndTheChartsDrawn() throws {
        let (result, folder) = try openInChromium(TestPaths.voc12, gallery: 3)
        XCTAssertEqual(result["images"] as? Int, 6 * 4, "3 worst and 3 best rows of four images")
        XCTAssertEqual(result["loaded"] as? Int, result["images"] as? Int, "every image loaded")
        let report = try CLI.json(folder + "/r.json")
        let scored = (report["classes"] as? [[String: Any]])?.filter { $0["iou"] is Double }.count ?? 0
        XCTAssertEqual(result["bars"] as? Int, scored, "one bar per scored class")
        XCTAssertGreaterThanOrEqual(result["cells"] as? Int ?? 0, 4, "the heat map is drawn")
        XCTAssertTrue((result["title"] as? String ?? "").hasPrefix("text4seg evaluation: mIoU"))
        XCTAssertEqual(result["clipped"] as? [String], [], "every heat map label inside the SVG (tvmonitor, pottedplant)")
        XCTAssertEqual(result["scales"] as? Int, 1, "a colour scale beside the heat map")
        XCTAssertEqual(result["legendInGallery"] as? Bool, true)
        XCTAssertEqual(result["legendInView"] as? Bool, true, "the legend stays above the images while the reader scrolls them")
        XCTAssertEqual(result["orders"] as? Int, 3, "the per-image table in three orders")
        XCTAssertEqual(result["shownByDefault"] as? [String], ["images-by-miou"], "only the mIoU order without a fragment")
        XCTAssertEqual(result["shownAtSeconds"] as? [String], ["images-by-seconds"], "only the targeted order")
        XCTAssertEqual(result["defaultRows"] as? Int, (report["items"] as? [Any])?.count, "a row per image")
        XCTAssertEqual(result["timing"] as? Int, 2, "the timing figures and the slowest images")
    }

    /// Long class names (a 30-character one, one of capitals, ADE20K's and VOC's) on an SVG heat
    /// map: Chromium draws every label inside the SVG's box, and each cell's share in it.
    func testLongClassNamesStayInsideTheHeatMap() throws {
        let names = [
            "a class name of thirty letters", "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", "chest of drawers", "tvmonitor", "pottedplant",
            "television receiver", "sky", "bannister, banister, balustrade",
        ]
        let folder = try CLI.temporaryFolder()
        var yaml = "name: long-names\ndescription: long class names\nignore: 255\nclasses:\n"
        for (id, name) in names.enumerated() { yaml += "  - id: \(id)\n    name: \"\(name)\"\n" }
        try yaml.write(toFile: folder + "/long.yaml", atomically: true, encoding: .utf8)
        let vocabulary = try Vocabulary.load(folder + "/long.yaml")
        try SyntheticReport.make(vocabulary: vocabulary).json().write(to: URL(fileURLWithPath: folder + "/r.json"))
        let run = try CLI.run(["report", folder + "/r.json", "--vocab", folder + "/long.yaml", "--html", folder + "/report.html"])
        XCTAssertEqual(run.status, 0, run.stderr)
        try Prerequisite.chromium.require()
        let result = try browse(folder)
        XCTAssertEqual(result["cells"] as? Int, 64)
        XCTAssertEqual(result["labels"] as? Int, 16, "a row and a column label per class")
        XCTAssertEqual(result["clipped"] as? [String], [])
        XCTAssertEqual(result["shares"] as? Int, 8 * 3, "each class: right, and confused with two others")
        XCTAssertEqual(result["shownAtSeconds"] as? [String], ["images-by-seconds"])
    }

    /// The dev set with a 20-image gallery: every image loads and the page stays small.
    func testTheDevSetReportWithATwentyImageGallery() throws {
        let dev = try TestPaths.requireVOCDev()
        let (result, folder) = try openInChromium(dev, gallery: 10, extra: ["--refine", "nearest"])
        XCTAssertEqual(result["images"] as? Int, 80)
        XCTAssertEqual(result["loaded"] as? Int, 80)
        XCTAssertEqual(result["cells"] as? Int, 21 * 21)
        let size = try FileManager.default.attributesOfItem(atPath: folder + "/report.html")[.size] as? Int ?? .max
        XCTAssertLessThan(size, 15 << 20, "the page is under 15 MB")
        // The page can also be made afterwards, from the report and the kept predictions.
        let again = try CLI.run(["report", folder + "/r.json", "--html", folder + "/again.html", "--gallery", "2"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("no --predictions folder: the page has no gallery"), again.stderr)
    }

    /// A report with 1,200 classes present: the page stays small (one PNG heat map, not 1.44 M
    /// cells), is written in seconds, and Chromium loads it within its time budget.
    func testATwelveHundredClassReportMakesASmallPageThatLoadsQuickly() throws {
        let folder = try CLI.temporaryFolder()
        let (vocabulary, path) = try SyntheticReport.vocabulary(classes: 1200)
        try SyntheticReport.make(vocabulary: vocabulary).json().write(to: URL(fileURLWithPath: folder + "/r.json"))
        let start = Date()
        let run = try CLI.run(["report", folder + "/r.json", "--vocab", path, "--html", folder + "/report.html"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "written in seconds")
        let size = try FileManager.default.attributesOfItem(atPath: folder + "/report.html")[.size] as? Int ?? .max
        XCTAssertLessThan(size, 15 << 20, "the page is under 15 MB")
        try Prerequisite.chromium.require()
        let opened = Date()
        let result = try browse(folder)
        XCTAssertLessThan(Date().timeIntervalSince(opened), 20, "Chromium loads it well within its 15 s budget")
        XCTAssertEqual(result["heatmaps"] as? Int, 1, "one PNG heat map")
        XCTAssertEqual(result["cells"] as? Int, 0, "no SVG cells")
        XCTAssertEqual(result["loaded"] as? Int, result["images"] as? Int, "the heat map loaded")
        XCTAssertEqual(result["bars"] as? Int, HTMLReport.barClasses)
    }
}
