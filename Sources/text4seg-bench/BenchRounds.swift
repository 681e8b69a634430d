import ArgumentParser

/// How often each side of a benchmark is timed (`--rounds`): the fastest round counts, as
/// the machine is shared.
///
///     @OptionGroup var timing: BenchRounds
///     let seconds = try timing.fastest { try work() }
struct BenchRounds: ParsableArguments {
    @Option(help: "Timed rounds per side; the fastest counts.")
    var rounds: Int = 3

    func validate() throws {
        guard (1...1_000).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 1000 (got \(rounds))") }
    }

    /// The fastest of `rounds` runs of `body`, in seconds.
    func fastest(_ body: () async throws -> Void) async rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            best = min(best, elapsed.seconds)
        }
        return best
    }
}
