import Foundation
import Text4SegCore

extension HTMLReport {
    /// Rows each order of the per-image table, and the list of failed images, show at most: all
    /// of VOC's 1,449 and ADE20K's 2,000 val images, while a larger split keeps the page to a few MB
    /// (three orders of a row each). The JSON report lists every image.
    public static let imageRows = 2000

    /// An order of the per-image table: its element's id, what it is sorted by, and its rows.
    struct ImageOrder {
        var anchor: String
        var caption: String
        var items: [ItemResult]
    }

    /// The scored items worst first (``EvaluationReport/itemsByMIoU``), then those without an mIoU in split order.
    var itemsByMIoUThenUnscored: [ItemResult] {
        report.itemsByMIoU + report.items.filter { $0.score == nil }.sorted { $0.index < $1.index }
    }

    /// The items slowest first (ties: earlier in the split first).
    var itemsBySeconds: [ItemResult] {
        report.items.sorted { ($0.seconds, $1.index) > ($1.seconds, $0.index) }
    }

    /// The per-image table written three times, sorted by mIoU (worst first), id and seconds
    /// (slowest first), each in its own element. The page has no script: the headers link to the
    /// orders' ids and CSS `:target` shows the linked one, the mIoU order when none is linked.
    /// The failed images follow with their errors.
    func images() -> String {
        var html = "<section id=\"images\"><h2>Images</h2>"
        let count = report.items.count
        if count == 0 {
            html += "<p>No image was evaluated.</p>"
        } else {
            let cap = HTMLReport.imageRows
            html +=
                count > cap
                ? "<p>Each order shows its first \(cap) of the \(count) images; the JSON report lists them all (<code>items</code>).</p>"
                : "<p>\(count) images. Sort by a linked column.</p>"
            // The mIoU order comes last: the CSS hides it when an order before it is targeted.
            let orders = [
                ImageOrder(
                    anchor: "images-by-id", caption: "by id",
                    items: report.items.sorted { ($0.record.id, $0.index) < ($1.record.id, $1.index) }),
                ImageOrder(anchor: "images-by-seconds", caption: "by seconds, slowest first", items: itemsBySeconds),
                ImageOrder(anchor: "images-by-miou", caption: "by mIoU, worst first", items: itemsByMIoUThenUnscored),
            ]
            html += "<div class=\"orders\">" + orders.map(imageTable).joined() + "</div>"
        }
        return html + failures() + "</section>\n"
    }

    /// One order as a table whose headers link to the orders, the column it is sorted by marked.
    func imageTable(_ order: ImageOrder) -> String {
        func sortable(_ label: String, _ target: String, _ direction: String) -> String {
            let current = target == order.anchor
            return "<th scope=\"col\"\(current ? " aria-sort=\"\(direction)\"" : "")><a href=\"#\(target)\">\(label)</a>"
                + (current ? (direction == "ascending" ? " ▲" : " ▼") : "") + "</th>"
        }
        var html = "<table id=\"\(order.anchor)\" class=\"images\"><caption>Images \(order.caption)</caption><tr><th scope=\"col\">#</th>"
        let referring = report.refer != nil
        html += sortable("id", "images-by-id", "ascending") + sortable(referring ? "IoU" : "mIoU", "images-by-miou", "ascending")
        html += "<th scope=\"col\">\(referring ? "box IoU" : "aAcc")</th>" + sortable("seconds", "images-by-seconds", "descending")
        html += "<th scope=\"col\">repairs</th><th scope=\"col\">retries</th><th scope=\"col\">in the truth</th>"
        html += "<th scope=\"col\">predicted</th></tr>"
        for item in order.items.prefix(HTMLReport.imageRows) {
            let cells = [
                "\(item.index)", escape(item.record.id), item.score.map(format) ?? "–",
                (referring ? item.boxIoU : item.aAcc).map(format) ?? "–", seconds(item.seconds),
                "\(item.record.repairs)", "\(item.record.retries)", item.groundTruth.map(escape).joined(separator: ", "),
                item.predicted.map(escape).joined(separator: ", "),
            ]
            html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    /// The failed images in split order, each with its error.
    func failures() -> String {
        guard !report.failed.isEmpty else { return "" }
        let failed = report.failed.sorted { ($0.index ?? .max, $0.id) < ($1.index ?? .max, $1.id) }
        var html = "<h3>\(failed.count) failed</h3>"
        if failed.count > HTMLReport.imageRows { html += "<p>The first \(HTMLReport.imageRows); the JSON report lists them all.</p>" }
        html += "<table class=\"failed\"><tr><th scope=\"col\">#</th><th scope=\"col\">id</th><th scope=\"col\">error</th></tr>"
        for failure in failed.prefix(HTMLReport.imageRows) {
            html +=
                "<tr><td>\(failure.index.map { "\($0)" } ?? "–")</td><td>\(escape(failure.id))</td><td>\(escape(failure.reason))</td></tr>"
        }
        return html + "</table>"
    }
}
