import Foundation
import Text4SegCore

/// An evaluation as one self-contained HTML page (images inline as `data:` URLs, charts as
/// inline SVG, no script, no network): the summary, per-class IoU and accuracy as a sorted
/// bar chart, the row-normalized confusion matrix as a heat map, a gallery of the worst and
/// best images (image, ground truth, prediction, overlay, each with its own mIoU, under one
/// shared legend), the time per image, every image's scores in three orders, and the settings the run used.
///
///     let page = HTMLReport(report: report, vocabulary: voc, gallery: rows).html()
public struct HTMLReport: Sendable {
    /// One image of the gallery.
    public struct GalleryItem: Sendable {
        public var id: String
        public var mIoU: Double?
        public var image: RGBImage
        public var truth: LabelMap
        public var prediction: LabelMap
        /// `worst` or `best`.
        public var group: String
        /// A referring item's expression (its masks are then 0/1 and its boxes are drawn).
        public var expression: String?

        public init(
            id: String, mIoU: Double?, image: RGBImage, truth: LabelMap, prediction: LabelMap, group: String, expression: String? = nil
        ) {
            self.expression = expression
            self.id = id
            self.mIoU = mIoU
            self.image = image
            self.truth = truth
            self.prediction = prediction
            self.group = group
        }
    }

    public var report: EvaluationReport
    public var vocabulary: Vocabulary
    public var gallery: [GalleryItem]
    /// Width of the gallery's thumbnails, in pixels.
    public var thumbnailWidth = 240
    /// Scored classes the bar chart draws at most (half from each end).
    public static let barClasses = 200

    public init(report: EvaluationReport, vocabulary: Vocabulary, gallery: [GalleryItem]) {
        self.report = report
        self.vocabulary = vocabulary
        self.gallery = gallery
    }

    /// The page. Throws when the report's numbers are out of range (``EvaluationReport/validate(file:)``)
    /// or an image of the gallery cannot be encoded.
    public func html() throws -> String {
        try report.validate(file: "the report")
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>text4seg evaluation: \(report.refer.map { "cIoU \(format($0.cIoU))" } ?? "mIoU \(format(report.mIoU))")</title>
            <style>\(HTMLReport.style)</style></head><body>
            <h1>text4seg evaluation</h1>

            """
        // A referring run has no classes to chart: its two classes are each expression and the rest.
        let perClass = report.refer == nil ? [bars(), try heatmap()] : []
        page += ([summary()] + perClass + [try galleryHTML(), timing(), images(), settings()]).joined()
        page += "<footer>Written by text4seg \(escape(report.tool)) on \(escape(report.date)).</footer>\n</body></html>\n"
        return page
    }

    func summary() -> String {
        let dataset = report.dataset.map { "\($0.path) (\($0.layout), split \($0.split))" } ?? "?"
        let scores: [(String, Double)] =
            report.refer.map { refer in
                [("cIoU", refer.cIoU), ("gIoU", refer.gIoU), ("Acc@0.5", refer.accAt05)] + (refer.nAcc.map { [("N-acc", $0)] } ?? [])
                    + (refer.nAcc != nil ? refer.tAcc.map { [("T-acc", $0)] } ?? [] : [])
            } ?? [("mIoU", report.mIoU), ("aAcc", report.aAcc), ("mAcc", report.mAcc), ("fwIoU", report.fwIoU)]
        let cards = scores.map {
            "<div class=\"card\"><div class=\"value\">\(format($0.1))</div><div class=\"label\">\($0.0)</div></div>"
        }.joined()
        let rows: [(String, String)] = [
            ("dataset", dataset),
            (report.refer == nil ? "images" : "expressions", "\(report.images) evaluated, \(report.failed.count) failed"),
            ("vocabulary", report.vocabulary), ("protocol", report.protocol + (report.reduceZeroLabel ? " (label 0 ignored)" : "")),
            ("engine", report.engine), ("grid", "\(report.grid)×\(report.grid)"), ("refiner", report.refiner), ("version", report.tool),
        ]
        return "<section id=\"summary\"><div class=\"cards\">\(cards)</div>" + table(rows) + "</section>\n"
    }

    /// Per-class IoU bars, sorted high to low, with each class's accuracy as a tick.
    func bars() -> String {
        let ranked = report.classes.filter { $0.iou != nil }.sorted { ($0.iou!, $1.name) > ($1.iou!, $0.name) }
        // A huge vocabulary draws its best and worst classes: the page stays small, the CSV has them all.
        let half = HTMLReport.barClasses / 2
        let scored = ranked.count > HTMLReport.barClasses ? Array(ranked.prefix(half) + ranked.suffix(half)) : ranked
        let row = 18, label = 170, width = 420
        let height = row * scored.count + 30
        var svg = "<svg class=\"bars\" role=\"img\" aria-label=\"IoU per class\" width=\"\(label + width + 120)\" height=\"\(height)\" "
        svg += "xmlns=\"http://www.w3.org/2000/svg\">"
        for (n, c) in scored.enumerated() {
            let y = n * row + 4, iou = min(100, max(0, c.iou ?? 0)), acc = min(100, max(0, c.acc ?? 0))
            let color = vocabulary.class(id: c.id).map(vocabulary.displayColor) ?? RGBColor(120, 120, 120)
            svg += "<text x=\"\(label - 6)\" y=\"\(y + 12)\" text-anchor=\"end\">\(escape(c.name))</text>"
            svg += "<rect x=\"\(label)\" y=\"\(y)\" width=\"\(Int(Double(width) * iou / 100))\" height=\"\(row - 4)\" fill=\"\(color)\" "
            svg += "stroke=\"#333\" stroke-width=\"0.5\"><title>\(escape(c.name)): IoU \(format(iou)), Acc \(format(acc))</title></rect>"
            svg +=
                "<line x1=\"\(label + Int(Double(width) * acc / 100))\" x2=\"\(label + Int(Double(width) * acc / 100))\" y1=\"\(y - 1)\" "
            svg += "y2=\"\(y + row - 3)\" stroke=\"#000\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(label + width + 8)\" y=\"\(y + 12)\">\(format(iou)) / \(format(acc))</text>"
        }
        svg += "<text x=\"\(label)\" y=\"\(height - 6)\" class=\"axis\">bar: IoU, tick: accuracy (%)</text></svg>"
        let note =
            scored.count < ranked.count
            ? "<p>The \(half) best and \(half) worst of \(ranked.count) scored classes; the CSV table (--csv) lists them all.</p>" : ""
        return "<section id=\"classes\"><h2>Per class</h2>\(note)\(svg)</section>\n"
    }

    /// The worst and best images, under a legend of the classes they show that stays in view
    /// (sticky) while the reader scrolls through them.
    func galleryHTML() throws -> String {
        guard !gallery.isEmpty else { return "" }
        let plain = OverlayRenderer(vocabulary: vocabulary, font: nil)
        var present = Set<Int>()
        var rows = ""
        for group in ["worst", "best"] {
            let items = gallery.filter { $0.group == group }
            if items.isEmpty { continue }
            let by = report.refer == nil ? "mIoU" : "IoU (image: the true box; overlay: the predicted mask and box)"
            rows += "<h3>\(group == "worst" ? "Worst" : "Best") \(items.count) by \(by)</h3><table class=\"gallery\">"
            rows += "<tr><th>image</th><th>ground truth</th><th>prediction</th><th>overlay</th></tr>"
            for item in items {
                let height = max(1, item.image.height * thumbnailWidth / max(1, item.image.width))
                let photo = Resampling.bilinear(item.image, width: thumbnailWidth, height: height)
                let truth = item.truth.resizedNearest(width: thumbnailWidth, height: height)
                let prediction = item.prediction.resizedNearest(width: thumbnailWidth, height: height)
                for value in Set(truth.values).union(prediction.values) where Int(value) != vocabulary.ignoreValue {
                    present.insert(Int(value))
                }
                // A referring item shows the truth's box on the photo, the prediction's with its mask on the overlay.
                let shown = item.expression.map { ReferOverlay(font: nil, opacity: 0).render(truth, on: photo, expression: $0) } ?? photo
                let overlay =
                    item.expression.map { ReferOverlay(font: nil).render(prediction, on: photo, expression: $0) }
                    ?? plain.render(prediction, on: photo)
                let cells = [
                    "data:image/jpeg;base64," + (try JPEGCodec.encode(shown, quality: 85)).base64EncodedString(),
                    "data:image/png;base64," + (try PNGCodec.encodeLabelMap(truth, palette: vocabulary.palette)).base64EncodedString(),
                    "data:image/png;base64," + (try PNGCodec.encodeLabelMap(prediction, palette: vocabulary.palette)).base64EncodedString(),
                    "data:image/jpeg;base64," + (try JPEGCodec.encode(overlay, quality: 85)).base64EncodedString(),
                ]
                let caption =
                    item.expression.map { "'\(escape($0))': IoU \(item.mIoU.map(format) ?? "–")" } ?? "mIoU \(item.mIoU.map(format) ?? "–")"
                rows += "<tr><td colspan=\"4\" class=\"caption\">\(escape(item.id)): \(caption)</td></tr><tr>"
                for (n, source) in cells.enumerated() {
                    let alt = ["image", "ground truth", "prediction", "overlay"][n] + " of " + escape(item.id)
                    rows += "<td><img src=\"\(source)\" width=\"\(thumbnailWidth)\" height=\"\(height)\" alt=\"\(alt)\"></td>"
                }
                rows += "</tr>"
            }
            rows += "</table>"
        }
        var legend = "<div class=\"legend\">"
        for id in present.sorted() {
            let color = vocabulary.class(id: id).map(vocabulary.displayColor) ?? vocabulary.palette[min(255, max(0, id))]
            let name = vocabulary.class(id: id)?.name ?? (id == vocabulary.othersValue ? "others" : "value \(id)")
            legend += "<span><i style=\"background:\(color)\"></i>\(escape(name))</span>"
        }
        return "<section id=\"gallery\"><h2>Gallery</h2>" + legend + "</div>" + rows + "</section>\n"
    }

    func settings() -> String {
        let rows = report.settings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return "<section id=\"settings\"><h2>Settings</h2>" + table(rows) + "</section>\n"
    }

    func table(_ rows: [(String, String)]) -> String {
        "<table class=\"kv\">" + rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    func format(_ value: Double) -> String { String(format: "%.2f", value) }

    func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // Control characters (a NUL in an expression) are not allowed in HTML text: shown as U+FFFD.
            case _ where character.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }:
                out += "\u{FFFD}"
            default: out.append(character)
            }
        }
        return out
    }

    static let style = """
        body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
        h1{margin-top:0}section{margin:28px 0}.cards{display:flex;gap:16px;margin-bottom:12px}
        .card{border:1px solid #ccc;border-radius:8px;padding:10px 18px;text-align:center}.card .value{font-size:28px;font-weight:600}
        .card .label{color:#666}table.kv th{text-align:left;padding-right:16px;color:#555;font-weight:500}
        table.kv td{font-family:ui-monospace,monospace}svg text{font-size:12px}svg .axis{fill:#666}
        table.gallery td{padding:2px;vertical-align:top}table.gallery .caption{font-weight:600;padding-top:10px}
        .legend span{display:inline-block;margin:4px 12px 4px 0}.legend i{display:inline-block;width:14px;height:14px;
        border:1px solid #333;vertical-align:-2px;margin-right:5px}footer{color:#777;margin-top:32px}
        #gallery>.legend{position:sticky;top:0;z-index:1;background:#fff;padding:4px 0;border-bottom:1px solid #ddd}
        .orders>table{display:none}.orders>table:target,.orders>#images-by-miou{display:table}
        .orders>table:target~#images-by-miou{display:none}table.images,table.failed{border-collapse:collapse;font-size:13px}
        table.images td,table.images th,table.failed td,table.failed th{border-bottom:1px solid #eee;padding:2px 8px;text-align:left}
        table.images caption{text-align:left;font-weight:600;padding:6px 0}
        img.heatmap{image-rendering:pixelated;border:1px solid #ccc;max-width:100%}
        .heatmap-box{display:flex;align-items:flex-start;gap:10px;overflow-x:auto}svg.heatmap{flex:none}svg text.share{font-size:9px}
        .scale{display:flex;gap:4px;flex:none;font-size:12px;color:#555}.scale .ticks{display:flex;flex-direction:column;
        justify-content:space-between}.scale i{width:14px;border:1px solid #999;background:linear-gradient(to top,#fff,#00f)}
        """
}
