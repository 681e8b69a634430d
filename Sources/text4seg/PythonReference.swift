import ArgumentParser
import Foundation

/// Runs a Python reference script (the benchmarks' other side) and reads the JSON it prints.
enum PythonReference {
    static func run(_ script: String, _ arguments: [String], needs: String) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("\(script) failed (status \(process.terminationStatus)); it needs \(needs)")
        }
        return json
    }
}
