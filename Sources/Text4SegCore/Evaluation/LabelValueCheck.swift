import Foundation

/// Checks ground-truth label maps against the vocabulary a run scores them with: a
/// value that is neither one of its classes nor its ignore value means the labels
/// belong to another vocabulary (ADE20K's labels scored as `pascal-voc`), and a score
/// computed anyway would be a number without meaning.
///
///     let check = LabelValueCheck(vocabulary: voc)
///     try check.check(truth, path: "labels/x.png")   // throws LabelValueError
public struct LabelValueCheck: Sendable {
    public let vocabulary: Vocabulary
    /// `valid[v]`: value `v` is a class id or the ignore value.
    let valid: [Bool]

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        var valid = [Bool](repeating: false, count: max(vocabulary.labelCount, vocabulary.ignoreValue + 1, 256))
        for item in vocabulary.classes where item.id >= 0 { valid[item.id] = true }
        if vocabulary.ignoreValue >= 0 { valid[vocabulary.ignoreValue] = true }
        self.valid = valid
    }

    /// Throws ``LabelValueError`` when `truth` holds a value the vocabulary does not know.
    public func check(_ truth: LabelMap, path: String) throws {
        let unknown: [Int] = valid.withUnsafeBufferPointer { valid in
            var seen = Set<Int>()
            for value in truth.values {
                let v = Int(value)
                if v >= valid.count || !valid[v] { seen.insert(v) }
            }
            return seen.sorted()
        }
        guard !unknown.isEmpty else { return }
        let present = Set(truth.valueCounts().keys)
        throw LabelValueError(
            values: unknown, path: path, vocabulary: vocabulary.name, fitting: LabelValueCheck.fitting(present, excluding: vocabulary.name))
    }

    /// The built-in vocabularies under which every value in `values` is a class or the ignore value, smallest first.
    public static func fitting(_ values: Set<Int>, excluding name: String) -> [String] {
        BuiltinVocabularies.names.compactMap { candidate -> (String, Int)? in
            guard candidate != name, let vocabulary = try? Vocabulary.load(candidate) else { return nil }
            let ids = Set(vocabulary.classes.map(\.id)).union([vocabulary.ignoreValue])
            return values.isSubset(of: ids) ? (candidate, vocabulary.classes.count) : nil
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }
}

/// Ground truth with label values outside the run's vocabulary: the run stops, since every score would be wrong.
public struct LabelValueError: Error, CustomStringConvertible, Sendable {
    public var values: [Int]
    public var path: String
    public var vocabulary: String
    /// Built-in vocabularies the file's values fit, smallest first.
    public var fitting: [String]

    public var description: String {
        let shown = values.prefix(8).map(String.init).joined(separator: ", ") + (values.count > 8 ? ", …" : "")
        let hint =
            fitting.isEmpty
            ? "pass the --vocab these labels were made with"
            : "these labels fit \(fitting.prefix(3).map { "'\($0)'" }.joined(separator: " or ")); pass --vocab \(fitting[0])"
        return "\(path): label value\(values.count == 1 ? "" : "s") \(shown) \(values.count == 1 ? "is" : "are") neither a class of "
            + "'\(vocabulary)' nor its ignore value: the labels belong to another vocabulary (\(hint))"
    }
}
