import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

/// `text4seg-bench oracle-eval`: the whole oracle evaluation against numpy+Pillow.
struct OracleEvalBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oracle-eval",
        abstract: "Time the whole oracle evaluation (decode, grid, R-RLE text round trip, upsample, confusion) against numpy+Pillow.",
        discussion: """
            The reference is scripts/bench_oracle_eval.py, run with python3 as a separate process on the same images \
            (all of the dataset's by default). Each side runs --rounds times; the fastest counts.
            """)

    @OptionGroup var data: BenchDataset
    @OptionGroup var grid: BenchGrid
    @OptionGroup var timing: BenchRounds
    @OptionGroup var reference: BenchPython

    func run() async throws {
        let items = try data.items(defaultLimit: nil)
        let vocabulary = try Vocabulary.load("pascal-voc")
        let prompt = PromptBuilder(vocabulary: vocabulary, grid: grid.size).build(.condition)
        let segmenter = Segmenter(engine: OracleEngine(), vocabulary: vocabulary, prompt: prompt)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var swiftTimes: [Int: Double] = [:]
        var swiftMIoU = 0.0
        for jobs in Set([1, cores]).sorted() {
            var best = Double.infinity
            for _ in 0..<timing.rounds {
                let outcome = try await EvaluationRunner(segmenter: segmenter, jobs: jobs).run(items)
                guard outcome.failed.isEmpty else { throw BenchError.itemsFailed(outcome.failed) }
                best = min(best, outcome.seconds)
                swiftMIoU = outcome.matrix.metrics(.mmseg).meanIoU * 100
            }
            swiftTimes[jobs] = best
        }
        var pythonBest = Double.infinity
        var pythonMIoU = 0.0
        for _ in 0..<timing.rounds {
            let result = try runPython(items: items.count)
            pythonBest = min(pythonBest, result.seconds)
            pythonMIoU = result.mIoU
        }
        let n = Double(items.count)
        print("oracle evaluation, \(items.count) images, grid \(grid.size), \(cores) cores")
        func row(_ name: String, _ seconds: Double, _ miou: Double) -> String {
            name.padding(toLength: 32, withPad: " ", startingAt: 0)
                + String(format: "%9.3f %10.2f %9.4f", seconds, seconds / n * 1000, miou)
        }
        print("implementation".padding(toLength: 32, withPad: " ", startingAt: 0) + "  total s   ms/image      mIoU")
        print(row("python numpy+Pillow (1 thread)", pythonBest, pythonMIoU))
        for (jobs, time) in swiftTimes.sorted(by: { $0.key < $1.key }) {
            print(row("text4seg (\(jobs) job\(jobs == 1 ? "" : "s"))", time, swiftMIoU))
        }
        for (jobs, time) in swiftTimes.sorted(by: { $0.key < $1.key }) {
            print("speed-up, text4seg \(jobs) job\(jobs == 1 ? "" : "s") vs python: " + String(format: "%.2fx", pythonBest / time))
        }
        print(String(format: "mIoU difference: %.2e", abs(swiftMIoU - pythonMIoU)))
    }

    /// One run of the reference on the same dataset and grid.
    func runPython(items: Int) throws -> (seconds: Double, mIoU: Double) {
        let script = reference.script ?? "scripts/bench_oracle_eval.py"
        var arguments = ["--dataset", data.dataset, "--grid", String(grid.size)]
        if data.limit != nil { arguments += ["--limit", String(items)] }
        let json = try PythonReference.run(script, arguments, python: reference.python ?? "python3", needs: "numpy and Pillow")
        let numbers = try PythonReference.numbers(json, ["seconds", "mIoU"], script: script)
        return (numbers[0], numbers[1])
    }
}
