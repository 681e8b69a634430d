import ArgumentParser
import Foundation
import Text4SegCore

/// Runs a Python reference script (the benchmarks' other side) and reads the JSON it prints.
enum PythonReference {
    /// The JSON is read from the last line of standard output (reference packages may print lines of their own first).
    static func run(
        _ script: String, _ arguments: [String], python: String = "python3", environment: [String: String] = [:], needs: String
    ) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let last = TextLines.split(String(decoding: data, as: UTF8.self)).last.map(String.init) ?? ""
        guard process.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] else {
            throw ValidationError("\(script) failed (status \(process.terminationStatus)); it needs \(needs)")
        }
        return json
    }
}
