import Foundation
import Text4SegTestSupport
import XCTest

/// Every seed and every crash the fuzzers ever found (Tests/FuzzCorpus/TARGET) goes through
/// its target again in the normal build, so a fixed crash stays fixed without libFuzzer.
final class FuzzCorpusEndToEndTests: XCTestCase {
    func testEveryCorpusReplaysCleanly() throws {
        let replayer = URL(fileURLWithPath: CLI.executable).deletingLastPathComponent().appendingPathComponent("text4seg-fuzz").path
        for target in [
            "descriptor", "vocabulary", "png", "jpeg", "webp", "tiff", "npy", "journal", "chat", "safetensors", "report", "labelconfig",
            "multipart", "refs", "instances",
        ] {
            let folder = CLI.packageRoot + "/Tests/FuzzCorpus/" + target
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            XCTAssertGreaterThanOrEqual(files.count, 3, "\(target) has a seed corpus")
            let run = try CLI.run(replayer, [target, folder])
            XCTAssertEqual(run.status, 0, "\(target): \(run.stderr)")
            XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "\(target): \(files.count) inputs replayed")
        }
    }
}
