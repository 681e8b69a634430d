import Foundation
import Text4SegCore

/// Reading back what `eval` wrote, for `eval merge` and `report`.
enum ReportFile {
    /// The vocabulary the run used: `override`, else as the run named it; refused when its content differs.
    static func vocabulary(of report: EvaluationReport, override: String?) throws -> Vocabulary {
        let source = override ?? report.settings["vocabulary.source"] ?? report.vocabulary
        let vocabulary = try Vocabulary.load(source)
        if let hash = report.settings["vocabulary.hash"], hash != vocabulary.contentHash {
            throw ConfigError("vocabulary '\(source)' is not the one the run used (content hash differs); pass --vocab")
        }
        return vocabulary
    }
}
