import Foundation

/// The OpenAI-compatible stub server (`scripts/openai_stub_server.py`) as a child process on
/// a free loopback port.
///
///     let stub = try StubProcess(script: "scripts/openai_stub_server.py", dataset: dataset, latency: 0.2, python: "python3")
///     defer { stub.stop() }
final class StubProcess {
    let process = Process()
    let port: Int

    init(script: String, dataset: String, latency: Double, python: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--dataset", dataset, "--latency", String(latency)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self).split(separator: ":").last ?? "") else {
            process.terminate()
            throw BenchError.stubServerDidNotStart(script: script)
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
