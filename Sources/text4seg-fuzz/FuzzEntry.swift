import Foundation

#if FUZZING
// libFuzzer supplies `main`; the target comes from T4S_FUZZ_TARGET.
nonisolated(unsafe) private var selectedTarget: String?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selectedTarget == nil {
        selectedTarget = ProcessInfo.processInfo.environment["T4S_FUZZ_TARGET"] ?? ""
        guard FuzzTargets.names.contains(selectedTarget!) else {
            FileHandle.standardError.write(Data("set T4S_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
            exit(2)
        }
    }
    let data = bytes.map { Data(bytes: $0, count: size) } ?? Data()
    FuzzTargets.run(selectedTarget!, data)
    return 0
}
#else
/// Replays files (or folders of files) through one fuzz target:
/// `text4seg-fuzz TARGET PATH…`. The tests use it to keep every corpus and
/// every crash ever found passing.
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first, FuzzTargets.names.contains(target) else {
            print("usage: text4seg-fuzz TARGET PATH…   (TARGET: \(FuzzTargets.names.joined(separator: ", ")))")
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzTargets.run(target, data)
                count += 1
            }
        }
        print("\(target): \(count) inputs replayed")
    }
}
#endif
