import Foundation
import Text4SegCore

extension HTMLReport {
    /// The slowest images the timing section names.
    public static let slowestImages = 5

    /// How long the images took, from each evaluated item's seconds (engine and client together):
    /// their sum, mean, median, 90th percentile and maximum, the rate, and the slowest images.
    func timing() -> String {
        let head = "<section id=\"timing\"><h2>Timing</h2>"
        guard let summary = SecondsSummary(report.items.map(\.seconds)) else {
            return head + "<p>No image was evaluated, so there are no times per image.</p></section>\n"
        }
        guard summary.total > 0 else {
            return head + "<p>No image of the report has a time recorded (each took 0 s).</p></section>\n"
        }
        // Several images may be in flight at once: the run's wall clock gives the real rate when the report has it.
        let rate =
            report.seconds > 0
            ? "\(format(Double(summary.count) / report.seconds)) (\(summary.count) images in the run's \(seconds(report.seconds)) s)"
            : "\(format(Double(summary.count) / summary.total)) (from the images' own seconds)"
        var rows: [(String, String)] = [
            ("images timed", "\(summary.count)"), ("total seconds", seconds(summary.total)), ("mean", seconds(summary.mean)),
            ("median", seconds(summary.median)), ("p90", seconds(summary.p90)), ("max", seconds(summary.max)),
            ("images per second", rate),
        ]
        if !report.failed.isEmpty { rows.append(("failed (untimed)", "\(report.failed.count)")) }
        let slowest = itemsBySeconds.prefix(HTMLReport.slowestImages)
        var html = head + table(rows)
        html += "<h3>The \(slowest.count) slowest</h3><table class=\"kv\"><tr><th>id</th><th>seconds</th></tr>"
        for item in slowest { html += "<tr><td>\(escape(item.record.id))</td><td>\(seconds(item.seconds))</td></tr>" }
        return html + "</table></section>\n"
    }

    /// Seconds to the millisecond.
    func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
}
