import Foundation
import XCTest

/// `text4seg serve` started as a process on a free loopback port (`--port 0`), as a user starts it.
///
///     let server = try ServeProcess(["--refine", "nearest"])
///     defer { server.stop() }
///     let answer = try server.curl(["-F", "image=@a.jpg", server.url("/v1/segment")])
public final class ServeProcess {
    let process = Process()
    let errPath = NSTemporaryDirectory() + "text4seg-serve-" + UUID().uuidString
    /// `127.0.0.1:PORT`, from the line the server prints when it listens.
    public private(set) var address = ""
    public var port: Int { Int(address.split(separator: ":").last ?? "") ?? 0 }
    public var pid: Int32 { process.processIdentifier }
    public var baseURL: String { "http://" + address }

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: CLI.executable)
        process.arguments = ["serve", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["TEXT4SEG_SERVE_TOKEN"] = nil
        env["TEXT4SEG_SERVE_ASSETS"] = nil
        for (name, value) in environment { env[name] = value }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let line = stderr.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                let range = line.range(of: "http://")
            {
                address = String(line[range.upperBound...].prefix { $0 != " " })
                return
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        stop()
        throw StubError("text4seg serve did not start: \(stderr)")
    }

    /// What the server wrote on stderr so far.
    public var stderr: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }

    public func url(_ path: String) -> String { baseURL + path }

    /// Runs curl (`-s`, the status code on the last line of stdout after the body) with `arguments`.
    public func curl(_ arguments: [String], output: String? = nil) throws -> (status: Int, body: String) {
        var all = ["-s", "-w", "\n%{http_code}"] + arguments
        if let output { all += ["-o", output] }
        let result = try CLI.run("/usr/bin/curl", all)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// Sends SIGTERM and waits (up to `seconds`) for the exit status.
    @discardableResult
    public func terminate(waiting seconds: Double = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    public func stop() {
        if process.isRunning, terminate(waiting: 10) == nil { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: errPath)
    }

    deinit { stop() }
}
