import Foundation
import Text4SegCore

/// Runs a Python reference script (the benchmarks' other side) and reads the JSON it prints.
///
///     let json = try PythonReference.run("scripts/bench_oracle_eval.py", ["--grid", "24"], needs: "numpy and Pillow")
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
            throw BenchError.referenceFailed(script: script, status: process.terminationStatus, needs: needs)
        }
        return json
    }

    /// The numbers `keys` of a reference's JSON, or which of them it lacks.
    static func numbers(_ json: [String: Any], _ keys: [String], script: String) throws -> [Double] {
        let values = keys.map { json[$0] as? Double }
        guard values.allSatisfy({ $0 != nil }) else {
            throw BenchError.referenceOutput(script: script, missing: keys.filter { json[$0] as? Double == nil })
        }
        return values.map { $0! }
    }
}
