import Foundation
import XCTest

/// The OpenAI-compatible test server (scripts/openai_stub_server.py), started on a free loopback port.
public final class StubServer {
    let process = Process()
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The answering server over a dataset (needs python3 with numpy and Pillow).
    public convenience init(dataset: String, _ options: [String] = []) throws {
        try Prerequisite.pythonImaging.require()
        try self.init(script: "openai_stub_server.py", ["--dataset", dataset] + options)
    }

    /// A misbehaving server (scripts/hostile_server.py) playing one `--mode`.
    public static func hostile(_ mode: String, _ options: [String] = []) throws -> StubServer {
        try StubServer(script: "hostile_server.py", ["--mode", mode] + options)
    }

    public init(script: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", CLI.packageRoot + "/scripts/" + script] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line names the port; reading it also waits until the server is up.
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening on 127.0.0.1:"), let port = Int(text.split(separator: ":").last ?? "") else {
            process.terminate()
            throw StubError("the stub server did not start (\(text)); it needs python3 with numpy and Pillow")
        }
        self.port = port
    }

    /// Counters: requests, failures, per_item, max_in_flight.
    public func stats() throws -> [String: Any] {
        let result = try CLI.python(
            "import urllib.request, sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            ["http://127.0.0.1:\(port)/stats"])
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        // Poll rather than waitUntilExit, which can spin when called off the main thread.
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { stop() }
}

public struct StubError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
