import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

/// `text4seg-bench openai-concurrency`: the openai engine's throughput at concurrency 1 and N.
struct OpenAIConcurrencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openai-concurrency",
        abstract: "Throughput of the openai engine at --concurrency 1 and N against a server with fixed latency.",
        discussion: """
            Starts scripts/openai_stub_server.py (--script) on 127.0.0.1 (it answers from ground truth after --latency \
            seconds), evaluates the same images (the dataset's first 48 by default) at each concurrency, and prints images/s, \
            their ratio and the client's own milliseconds per request (decode, encode, refine, score; waits excluded) from \
            the concurrency-1 run, where no request competes for the CPU.
            """)

    @OptionGroup var data: BenchDataset
    @OptionGroup var reference: BenchPython

    @Option(help: "Server latency per request, seconds.")
    var latency: Double = 0.2

    @Option(help: "The concurrency compared with 1.")
    var concurrency: Int = 16

    func validate() throws {
        guard latency >= 0 && latency <= 60 else { throw ValidationError("--latency must be between 0 and 60 seconds (got \(latency))") }
        guard Limits.concurrency.contains(concurrency) else {
            throw ValidationError(
                "--concurrency must be between \(Limits.concurrency.lowerBound) and \(Limits.concurrency.upperBound) (got \(concurrency))")
        }
    }

    func run() async throws {
        let items = try data.items(defaultLimit: 48)
        let vocabulary = try Vocabulary.load("pascal-voc")
        let stub = try StubProcess(
            script: reference.script ?? "scripts/openai_stub_server.py", dataset: data.dataset, latency: latency,
            python: reference.python ?? "python3")
        defer { stub.stop() }
        var results: [Int: EvaluationRunner.Outcome] = [:]
        for jobs in [1, concurrency] {
            var settings = OpenAISettings(baseURL: "http://127.0.0.1:\(stub.port)/v1", apiKey: nil)
            settings.connections = jobs
            let engine = try OpenAIEngine(settings: settings)
            let runner = EvaluationRunner(segmenter: Segmenter(engine: engine, vocabulary: vocabulary), jobs: jobs)
            let outcome = try await runner.run(items)
            await engine.shutdown()
            guard outcome.failed.isEmpty else { throw BenchError.itemsFailed(outcome.failed) }
            results[jobs] = outcome
        }
        let one = results[1]!, many = results[concurrency]!
        let n = Double(items.count)
        print(
            "openai engine against a stub server with \(Int(latency * 1000)) ms latency, \(items.count) images, "
                + "\(ProcessInfo.processInfo.activeProcessorCount) cores"
        )
        for (jobs, outcome) in [(1, one), (concurrency, many)] {
            print(
                "concurrency \(jobs): ".padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(
                        format: "%7.3f s  %7.2f images/s  mIoU %.4f", outcome.seconds, n / outcome.seconds,
                        outcome.matrix.metrics().meanIoU * 100))
        }
        print(String(format: "throughput ratio, concurrency %d vs 1: %.2fx", concurrency, one.seconds / many.seconds))
        print(String(format: "client overhead per request (concurrency 1, waits excluded): %.2f ms", one.clientSecondsPerItem * 1000))
    }
}
