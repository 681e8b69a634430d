import Text4SegCore

/// Why a benchmark stopped after its command line was accepted: a runtime failure, which
/// `text4seg-bench` reports as one `error:` line and exit status 2, with no usage screen.
///
///     throw BenchError.itemsFailed(outcome.failed)
enum BenchError: Error, CustomStringConvertible {
    /// The reference script exited with `status` or printed no JSON; it needs `needs`.
    case referenceFailed(script: String, status: Int32, needs: String)
    /// The reference's JSON lacks a field the comparison reads.
    case referenceOutput(script: String, missing: [String])
    /// Items failed on the Swift side, so its time would not compare with the reference's.
    case itemsFailed([EvaluationReport.Failure])
    /// The stub server printed no port.
    case stubServerDidNotStart(script: String)
    /// `scripts/make_torch_venv.sh` failed.
    case venvFailed(script: String)
    /// The dataset lists fewer items than the benchmark needs.
    case noItems(dataset: String)

    var description: String {
        switch self {
        case let .referenceFailed(script, status, needs):
            return "\(script) failed (status \(status)); it needs \(needs)"
        case let .referenceOutput(script, missing):
            return "\(script) printed no \(missing.joined(separator: "/"))"
        case let .itemsFailed(failures):
            let first = failures.prefix(3).map { "\($0.id): \($0.reason)" }.joined(separator: "; ")
            return "\(failures.count) items failed (\(first)); the times would not compare"
        case let .stubServerDidNotStart(script):
            return "\(script) did not start; it needs python3 with numpy and Pillow"
        case let .venvFailed(script):
            return "\(script) failed; pass --python with a Python that has torch"
        case let .noItems(dataset):
            return "\(dataset): the dataset lists no items"
        }
    }
}
