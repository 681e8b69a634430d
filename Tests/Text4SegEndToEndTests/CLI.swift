import Foundation
import XCTest

/// Runs the built `text4seg` executable as a separate process, as a user would.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let samples = packageRoot + "/Samples/voc"
    static let vocDev = URL(fileURLWithPath: packageRoot + "/../shared/data/voc2012-val-dev").standardized.path

    static var executable: String {
        // The test bundle sits in the same build folder as the products.
        let folder = Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent() ?? Bundle.main.bundleURL
        return folder.appendingPathComponent("text4seg").path
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(executable, arguments, input: input.map { Data($0.utf8) }, environment: environment)
    }

    static func run(_ program: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Result {
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
        FileManager.default.createFile(atPath: errPath, contents: nil)
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
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func python(_ script: String, _ arguments: [String] = [], input: Data? = nil) throws -> Result {
        try run("/usr/bin/env", ["python3", "-c", script] + arguments, input: input)
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "text4seg-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func requireVOCDev(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard FileManager.default.fileExists(atPath: vocDev + "/ids.txt") else {
            XCTFail("the VOC dev set is missing at \(vocDev); it is laid beside the checkout as shared/data", file: file, line: line)
            throw XCTSkip("no data")
        }
        return vocDev
    }

    static func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
}
