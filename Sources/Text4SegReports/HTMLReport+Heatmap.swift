import Foundation
import Text4SegCore

extension HTMLReport {
    /// Classes present up to which the heat map is an SVG with one titled cell per pair; above
    /// it the cells would grow with the square of the classes (1,200 classes: 1.44 M elements),
    /// so the map is one PNG instead.
    public static let svgHeatmapClasses = 48
    /// Classes the PNG heat map draws at most: those with the most pixels (truth and prediction).
    public static let pngHeatmapClasses = 1024
    /// Off-diagonal cells listed by name under a PNG heat map.
    public static let listedConfusions = 30

    /// The confusion matrix over the classes present, each row normalized by its ground-truth pixels:
    /// SVG cells for a few classes, one embedded PNG and a table of the most confused pairs for many.
    func heatmap() throws -> String {
        let k = max(0, (report.confusion.shape.first ?? 1) - 1)
        var cells: [Int: [Int: UInt64]] = [:]
        var pixels: [Int: UInt64] = [:]
        for entry in report.confusion.entries where entry.count == 3 && entry[0] < UInt64(k) && entry[1] < UInt64(k) {
            let row = Int(entry[0]), column = Int(entry[1])
            cells[row, default: [:]][column, default: 0] += entry[2]
            pixels[row, default: 0] += entry[2]
            pixels[column, default: 0] += entry[2]
        }
        var totals: [Int: UInt64] = [:]
        for (row, columns) in cells { totals[row] = columns.values.reduce(0, +) }
        func share(_ row: Int, _ column: Int) -> Double {
            guard let total = totals[row], total > 0 else { return 0 }
            return Double(cells[row]?[column] ?? 0) / Double(total)
        }
        let title = "<h2>Confusion (rows: ground truth, columns: prediction; row-normalized)</h2>"
        let present = pixels.keys.sorted()
        if present.count <= HTMLReport.svgHeatmapClasses {
            return "<section id=\"confusion\">\(title)\(svgHeatmap(present, share: share))</section>\n"
        }
        let drawn = present.sorted { (pixels[$0]!, $1) > (pixels[$1]!, $0) }.prefix(HTMLReport.pngHeatmapClasses).sorted()
        return "<section id=\"confusion\">\(title)" + (try pngHeatmap(drawn, of: present.count, cells: cells, share: share))
            + "</section>\n"
    }

    /// Cell size from which each SVG cell shows its share as a number (9 px text): 28 classes or fewer.
    static let numberedCell = 20

    /// One `<rect>` per pair, with its names and share as a tooltip and, when the cells are big
    /// enough, the share in percent drawn in the cell; the margins fit the longest labels.
    func svgHeatmap(_ classes: [Int], share: (Int, Int) -> Double) -> String {
        let cell = max(10, min(24, 560 / max(1, classes.count)))
        let labels = classes.map { SVGLabel(name($0)) }
        let widest = labels.map(\.width).max() ?? 0
        // Row labels end 4 px before the grid. A column label is rotated -60° about its start,
        // 4 px above the grid: it rises sin 60° of its width (plus half a 12 px ascent) and
        // runs cos 60° of it to the right (plus its descent).
        let left = Int((widest + 10).rounded(.up)), top = Int((widest * 0.866 + 16).rounded(.up))
        let grid = cell * classes.count
        var width = left + grid + 4
        for (n, label) in labels.enumerated() {
            let run = Int((label.width / 2 + 6).rounded(.up))
            width = max(width, left + n * cell + cell * 3 / 4 + run)
        }
        var svg = "<svg class=\"heatmap\" role=\"img\" aria-label=\"confusion matrix\" width=\"\(width)\" height=\"\(top + grid + 4)\" "
        svg += "viewBox=\"0 0 \(width) \(top + grid + 4)\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (n, label) in labels.enumerated() {
            let text = (label.truncated ? "<title>\(escape(label.name))</title>" : "") + escape(label.shown)
            let along = n * cell + cell * 3 / 4
            svg += "<text x=\"\(left - 4)\" y=\"\(top + along)\" text-anchor=\"end\">\(text)</text>"
            svg += "<text transform=\"translate(\(left + along),\(top - 4)) rotate(-60)\">\(text)</text>"
        }
        for (r, row) in classes.enumerated() {
            for (c, column) in classes.enumerated() {
                let value = share(row, column)
                let shade = Int((1 - value) * 255)
                svg += "<rect x=\"\(left + c * cell)\" y=\"\(top + r * cell)\" width=\"\(cell)\" height=\"\(cell)\" "
                svg += "fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#ddd\" stroke-width=\"0.5\">"
                svg += "<title>truth \(escape(name(row))) → predicted \(escape(name(column))): \(format(value * 100))%</title></rect>"
                guard cell >= HTMLReport.numberedCell, value > 0 else { continue }
                // Black and white contrast alike with rgb(95,95,255), a share of 63%: white from 60% up.
                // The number lets the pointer through to the cell, whose title is the tooltip.
                svg += "<text class=\"share\" x=\"\(left + c * cell + cell / 2)\" y=\"\(top + r * cell + cell / 2 + 3)\" "
                svg += "text-anchor=\"middle\" pointer-events=\"none\" fill=\"\(value >= 0.6 ? "#fff" : "#111")\">\(percent(value))</text>"
            }
        }
        return "<div class=\"heatmap-box\">" + svg + "</svg>" + colourScale(top: top, height: max(120, grid)) + "</div>"
    }

    /// A share as whole percent for a cell: `<1` rather than a misleading 0 for a small share.
    func percent(_ share: Double) -> String {
        share < 0.005 ? "&lt;1" : "\(Int((share * 100).rounded()))"
    }

    /// The legend of the heat maps' shades: a bar from white (0% of the row) to blue (100%),
    /// `top` pixels down and `height` pixels tall, beside the map.
    func colourScale(top: Int, height: Int) -> String {
        "<div class=\"scale\" role=\"img\" aria-label=\"colour scale: white is 0% of the row, blue 100%\" "
            + "style=\"margin-top:\(top)px;height:\(height)px\"><i></i><span class=\"ticks\"><span>100%</span><span>50%</span>"
            + "<span>0%</span></span></div>"
    }

    /// The drawn classes as one PNG (a square of a few pixels per pair, same shades as the SVG),
    /// their order as the axes' legend, and the most confused pairs by name.
    func pngHeatmap(_ drawn: [Int], of present: Int, cells: [Int: [Int: UInt64]], share: (Int, Int) -> Double) throws -> String {
        let cell = max(1, 768 / drawn.count), side = cell * drawn.count
        var image = RGBImage(width: side, height: side, fill: RGBColor(255, 255, 255))
        let position = Dictionary(uniqueKeysWithValues: drawn.enumerated().map { ($0.element, $0.offset) })
        var confusions: [(share: Double, row: Int, column: Int)] = []
        for (row, columns) in cells {
            for column in columns.keys {
                let value = share(row, column)
                if row != column && value > 0 { confusions.append((value, row, column)) }
                guard let r = position[row], let c = position[column] else { continue }
                let shade = UInt8(max(0, min(255, Int((1 - value) * 255))))
                for y in (r * cell)..<((r + 1) * cell) {
                    for x in (c * cell)..<((c + 1) * cell) {
                        let offset = (y * side + x) * 3
                        image.pixels[offset] = shade
                        image.pixels[offset + 1] = shade
                    }
                }
            }
        }
        let png = try PNGCodec.encodeRGB(image, level: 9).base64EncodedString()
        var html = "<p>\(present) classes are present: "
        html +=
            drawn.count < present
            ? "the \(drawn.count) with the most pixels are drawn, " : "each is drawn, "
        html += "in id order along both axes (\(cell) pixel\(cell == 1 ? "" : "s") per pair; darker: a larger share of the row).</p>"
        html += "<div class=\"heatmap-box\"><img class=\"heatmap\" src=\"data:image/png;base64,\(png)\" width=\"\(side)\" "
        html += "height=\"\(side)\" alt=\"confusion matrix of \(drawn.count) classes\">\(colourScale(top: 0, height: min(side, 400)))</div>"
        let top = confusions.sorted { ($0.share, $1.row, $1.column) > ($1.share, $0.row, $0.column) }.prefix(HTMLReport.listedConfusions)
        html +=
            "<h3>The \(top.count) most confused pairs</h3><table class=\"kv\"><tr><th>truth</th><th>predicted</th><th>share of the truth</th></tr>"
        for pair in top {
            html += "<tr><td>\(escape(name(pair.row)))</td><td>\(escape(name(pair.column)))</td><td>\(format(pair.share * 100))%</td></tr>"
        }
        html += "</table><details><summary>Axis order (\(drawn.count) classes)</summary><ol start=\"0\">"
        for id in drawn { html += "<li>\(escape(name(id)))</li>" }
        return html + "</ol></details>"
    }

    /// A class's name in the vocabulary, or `class N`.
    func name(_ id: Int) -> String { vocabulary.class(id: id)?.name ?? "class \(id)" }
}
