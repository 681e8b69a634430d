import Foundation
import XCTest

/// Runs the built `text4seg` executable (or any program) as a separate process, as a user would.
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static let packageRoot = TestPaths.packageRoot
    public static let samples = TestPaths.samples

    /// The built `text4seg`.
    public static var executable: String { product("text4seg") }

    /// The built `text4seg-bench`, the maintainers' benchmarks.
    public static var benchExecutable: String { product("text4seg-bench") }

    /// An executable of this package: the test bundle sits in the same build folder as the products.
    static func product(_ name: String) -> String {
        let folder =
            Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent() ?? Bundle.main.bundleURL
        return folder.appendingPathComponent(name).path
    }

    @discardableResult
    public static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(executable, arguments, input: input.map { Data($0.utf8) }, environment: environment)
    }

    public static func run(
        _ program: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        // Keys in the developer's own environment must not change what the tests see.
        var env = ProcessInfo.processInfo.environment
        env["TEXT4SEG_API_KEY"] = nil
        env["OPENAI_API_KEY"] = nil
        for (name, value) in environment { env[name] = value }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        // Standard error goes to a file, so that neither stream can fill a pipe and block the process.
        let errPath = NSTemporaryDirectory() + "text4seg-stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let errHandle = FileHandle(forWritingAtPath: errPath)!
        let out = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `python3 -c script`; tests that need numpy and Pillow require ``Prerequisite/pythonImaging`` first.
    public static func python(_ script: String, _ arguments: [String] = [], input: Data? = nil) throws -> Result {
        try run("/usr/bin/env", ["python3", "-c", script] + arguments, input: input)
    }

    public static func temporaryFolder() throws -> String { try TestPaths.temporaryFolder() }

    public static func requireVOCDev(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try TestPaths.requireVOCDev(file: file, line: line)
    }

    public static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
}
