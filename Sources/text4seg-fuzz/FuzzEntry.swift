import Foundation

#if FUZZING
/// libFuzzer's driver (compiler-rt); `main` hands it the command line and the target.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target named by T4S_FUZZ_TARGET, read once.
let selectedTarget: String = {
    let name = ProcessInfo.processInfo.environment["T4S_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(name) else {
        FileHandle.standardError.write(Data("set T4S_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(64)
    }
    return name
}()

/// libFuzzer's entry point, for the `main` that compiler-rt links in.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTargets.run(selectedTarget, bytes.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

/// The fuzzing build: `T4S_FUZZ_TARGET=png text4seg-fuzz CORPUS… -max_total_time=30` (see scripts/fuzz.sh).
/// SwiftPM links this as the executable's `main`; it hands the command line to libFuzzer's driver.
@main
struct FuzzMain {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, size in fuzzOneInput(bytes, size) })
    }
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
            let files =
                isFolder.boolValue
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
