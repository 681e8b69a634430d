import ArgumentParser
import Text4SegCore

/// The descriptor grid of the benchmarks that start from oracle grids (`--grid`).
///
///     @OptionGroup var grid: BenchGrid
///     let cells = truth.downsample(rows: grid.size, cols: grid.size, …)
struct BenchGrid: ParsableArguments {
    @Option(name: .customLong("grid"), help: "Grid size G.")
    var size: Int = 24

    func validate() throws {
        guard Limits.grid.contains(size) else {
            throw ValidationError("--grid must be between \(Limits.grid.lowerBound) and \(Limits.grid.upperBound) (got \(size))")
        }
    }
}
