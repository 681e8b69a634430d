import Foundation

/// A file given as an `eval` report that does not decode as one of this version.
public struct ReportReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): not an eval report of this version (\(reason))" }
}

extension EvaluationReport {
    /// The JSON report `eval` wrote at `path`, its numbers checked (``validate(file:)``): what
    /// `eval merge`, `report` and `eval --resume` read back.
    public static func read(_ path: String) throws -> EvaluationReport {
        let report: EvaluationReport
        do {
            report = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ReportReadError(path: path, reason: "\(error)")
        }
        try report.validate(file: path)
        return report
    }
}
