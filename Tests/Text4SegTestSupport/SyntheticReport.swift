import Foundation
import Text4SegCore

/// Evaluation reports over vocabularies of any size, made without a dataset, for the tests of
/// what reads reports (the HTML page, the tables): every class is present, each mostly right and
/// confused with two others.
///
///     let vocabulary = try SyntheticReport.vocabulary(classes: 1200)
///     let report = try SyntheticReport.make(vocabulary: vocabulary)
public enum SyntheticReport {
    /// A vocabulary of `classes` classes named `class-N`, ignore value 65535, as YAML.
    public static func vocabularyYAML(classes: Int) -> String {
        var text = "name: synthetic-\(classes)\ndescription: \(classes) synthetic classes\nignore: 65535\nothers: 0\nclasses:\n"
        for id in 0..<classes { text += "  - id: \(id)\n    name: \"class-\(id)\"\n" }
        return text
    }

    /// The vocabulary of ``vocabularyYAML(classes:)``, written to a temporary file and loaded.
    public static func vocabulary(classes: Int) throws -> (vocabulary: Vocabulary, path: String) {
        let path = try TestPaths.temporaryFolder() + "/synthetic-\(classes).yaml"
        try vocabularyYAML(classes: classes).write(toFile: path, atomically: true, encoding: .utf8)
        return (try Vocabulary.load(path), path)
    }

    /// One item whose ground truth holds every class: 1,000 pixels right, 100 taken for the next
    /// class and 10 for the class seven further on.
    public static func make(vocabulary: Vocabulary) throws -> EvaluationReport {
        let k = vocabulary.labelCount
        var pairs: [[UInt64]] = []
        for c in 0..<k {
            for (column, pixels) in [(c, 1_000), ((c + 1) % k, 100), ((c + 7) % k, 10)] {
                pairs.append([UInt64(c * (k + 1) + column), UInt64(pixels)])
            }
        }
        let record = ItemRecord(id: "synthetic", counts: pairs)
        let outcome = try EvaluationRunner.Outcome(records: [record], vocabulary: vocabulary)
        return EvaluationReport(
            metrics: outcome.matrix.metrics(.mmseg), outcome: outcome, vocabulary: vocabulary, engine: "oracle", grid: 24,
            refiner: "nearest")
    }
}
