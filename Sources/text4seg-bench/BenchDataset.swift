import ArgumentParser
import Text4SegCore

/// The dataset a benchmark reads, and how many of its images (`--dataset`, `--limit`).
///
///     @OptionGroup var data: BenchDataset
///     let items = try data.items(defaultLimit: 48)
struct BenchDataset: ParsableArguments {
    @Option(help: "Dataset folder (images/ + labels/ + ids.txt).")
    var dataset: String = "../shared/data/voc2012-val-dev"

    @Option(help: "How many of its images, from the first. (default: the benchmark's, in its overview)")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
    }

    /// The first `--limit` items (else `defaultLimit`, else all); an error when there are none.
    func items(defaultLimit: Int?) throws -> [DatasetItem] {
        let all = try Dataset.items(at: dataset)
        let items = (limit ?? defaultLimit).map { Array(all.prefix($0)) } ?? all
        guard !items.isEmpty else { throw BenchError.noItems(dataset: dataset) }
        return items
    }
}
