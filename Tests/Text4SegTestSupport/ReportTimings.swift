import Foundation

/// Eval reports with their timing fields removed (run time, per-item seconds, the date), so
/// that two runs that should agree (whole and resumed, whole and merged shards) compare equal.
public enum ReportTimings {
    public static let reportKeys = ["seconds", "clientMillisecondsPerItem", "date"]
    public static let itemKeys = ["engineSeconds", "clientSeconds", "seconds"]

    public static func removed(from report: [String: Any]) -> NSDictionary {
        var report = report
        for key in reportKeys { report[key] = nil }
        report["items"] = (report["items"] as? [[String: Any]])?.map { item -> [String: Any] in
            var item = item
            for key in itemKeys { item[key] = nil }
            return item
        }
        return NSDictionary(dictionary: report)
    }
}
