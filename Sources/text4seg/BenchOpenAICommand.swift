import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

extension Bench {
    struct OpenAIConcurrency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openai-concurrency",
            abstract: "Throughput of the openai engine at --concurrency 1 and N against a server with fixed latency.",
            discussion:
                "Starts scripts/openai_stub_server.py on 127.0.0.1 (it answers from ground truth after --latency seconds), evaluates "
                + "the same images at each concurrency, and prints images/s, their ratio and the client's own milliseconds per request "
                + "(decode, encode, refine, score; waits excluded) from the concurrency-1 run, where no request competes for the CPU."
        )

        @Option(help: "Dataset folder (images/ + labels/ + ids.txt).")
        var dataset: String = "../shared/data/voc2012-val-dev"

        @Option(help: "Images per run.")
        var images: Int = 48

        @Option(help: "Server latency per request, seconds.")
        var latency: Double = 0.2

        @Option(help: "The concurrency compared with 1.")
        var concurrency: Int = 16

        @Option(help: "The stub server script.")
        var server: String = "scripts/openai_stub_server.py"

        func run() async throws {
            let stub = try StubProcess(script: server, dataset: dataset, latency: latency)
            defer { stub.stop() }
            let vocabulary = try Vocabulary.load("pascal-voc")
            let items = Array(try Dataset.items(at: dataset).prefix(images))
            var results: [Int: EvaluationRunner.Outcome] = [:]
            for jobs in [1, concurrency] {
                var settings = OpenAISettings(baseURL: "http://127.0.0.1:\(stub.port)/v1", apiKey: nil)
                settings.connections = jobs
                let engine = try OpenAIEngine(settings: settings)
                let runner = EvaluationRunner(segmenter: Segmenter(engine: engine, vocabulary: vocabulary), jobs: jobs)
                let outcome = try await runner.run(items)
                await engine.shutdown()
                guard outcome.failed.isEmpty else { throw ValidationError("items failed: \(outcome.failed.prefix(3))") }
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
}

/// The stub server as a child process on a free loopback port.
final class StubProcess {
    let process = Process()
    let port: Int

    init(script: String, dataset: String, latency: Double) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--dataset", dataset, "--latency", String(latency)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self).split(separator: ":").last ?? "") else {
            process.terminate()
            throw ValidationError("the stub server did not start; it needs python3 with numpy and Pillow")
        }
        self.port = port
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        // Poll rather than waitUntilExit, which can spin when called off the main thread.
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
