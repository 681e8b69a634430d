import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, each against a reference implementation in the same run.",
        subcommands: [OracleEval.self, OpenAIConcurrency.self, CRF.self, Embedded.self, CLIP.self])

    struct OracleEval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "oracle-eval",
            abstract: "Time the whole oracle evaluation (decode, grid, R-RLE text round trip, upsample, confusion) against numpy+Pillow.",
            discussion:
                "The reference is scripts/bench_oracle_eval.py, run with python3 as a separate process on the same images. Each side "
                + "runs --runs times; the best time counts."
        )

        @Option(help: "Dataset folder (images/ + labels/ + ids.txt).")
        var dataset: String = "../shared/data/voc2012-val-dev"

        @Option(help: "Grid size G.")
        var grid: Int = 24

        @Option(help: "Runs per side; the fastest is reported.")
        var runs: Int = 3

        @Option(help: "The Python reference script.")
        var python: String = "scripts/bench_oracle_eval.py"

        @Option(help: "Python interpreter.")
        var interpreter: String = "python3"

        func run() async throws {
            let vocabulary = try Vocabulary.load("pascal-voc")
            let items = try Dataset.items(at: dataset)
            let prompt = PromptBuilder(vocabulary: vocabulary, grid: grid).build(.condition)
            let segmenter = Segmenter(engine: OracleEngine(), vocabulary: vocabulary, prompt: prompt)
            let cores = ProcessInfo.processInfo.activeProcessorCount
            var swiftTimes: [Int: Double] = [:]
            var swiftMIoU = 0.0
            for jobs in Set([1, cores]).sorted() {
                var best = Double.infinity
                for _ in 0..<max(1, runs) {
                    let outcome = try await EvaluationRunner(segmenter: segmenter, jobs: jobs).run(items)
                    best = min(best, outcome.seconds)
                    swiftMIoU = outcome.matrix.metrics(.mmseg).meanIoU * 100
                    guard outcome.failed.isEmpty else { throw ValidationError("items failed: \(outcome.failed)") }
                }
                swiftTimes[jobs] = best
            }
            var pythonBest = Double.infinity
            var pythonMIoU = 0.0
            for _ in 0..<max(1, runs) {
                let result = try runPython()
                pythonBest = min(pythonBest, result.seconds)
                pythonMIoU = result.mIoU
            }
            let n = Double(items.count)
            print("oracle evaluation, \(items.count) images, grid \(grid), \(cores) cores")
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

        func runPython() throws -> (seconds: Double, mIoU: Double) {
            let json = try PythonReference.run(python, ["--dataset", dataset, "--grid", String(grid)], needs: "numpy and Pillow")
            guard let seconds = json["seconds"] as? Double, let miou = json["mIoU"] as? Double else {
                throw ValidationError("\(python) printed no seconds/mIoU")
            }
            return (seconds, miou)
        }
    }
}
