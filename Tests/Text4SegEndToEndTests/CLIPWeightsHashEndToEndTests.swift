import Foundation
import Text4SegModels
import Text4SegTestSupport
import XCTest

/// The clip engine's text embeddings are cached per checkpoint, and a checkpoint is its weights'
/// full SHA-256: no run reads embeddings computed with other weights.
final class CLIPWeightsHashEndToEndTests: XCTestCase {
    func testChangedWeightsAreNeverReadFromTheOldWeightsCache() throws {
        // The tiny checkpoint with 1.6 MB of padding on each side, so that its text tensors lie
        // more than a MiB from either end of the file (where the old key looked).
        let folder = try CLI.temporaryFolder(), cache = try CLI.temporaryFolder()
        for file in ["config.json", "vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(atPath: TestPaths.clipTiny + "/" + file, toPath: folder + "/" + file)
        }
        let original = try SafetensorsFile(path: TestPaths.clipTiny + "/model.safetensors")
        var tensors: [String: Tensor] = [:]
        for name in original.names { tensors[name] = try original.tensor(name) }
        tensors["aaa.padding"] = Tensor(shape: [400_000], data: [Float](repeating: 0, count: 400_000))
        tensors["zzz.padding"] = tensors["aaa.padding"]
        let weights = folder + "/model.safetensors"
        try SafetensorsFile.write(tensors, to: weights)

        func label() throws -> (embedded: Bool, cached: Int) {
            let result = try CLI.run(
                [
                    "label", TestPaths.voc12 + "/images/2007_000033.jpg", "--engine", "clip", "--model-dir", folder, "--out",
                    try CLI.temporaryFolder(), "--clip-short-side", "64", "--clip-window", "32", "--clip-stride", "16",
                ], environment: ["XDG_CACHE_HOME": cache])
            XCTAssertEqual(result.status, 0, result.stderr)
            let files = try FileManager.default.contentsOfDirectory(atPath: cache + "/text4seg/text-embeddings")
            return (result.stderr.contains("clip: embedding"), files.count)
        }
        let first = try label()
        XCTAssertTrue(first.embedded)
        let second = try label()
        XCTAssertFalse(second.embedded, "the second run reads the cache")
        XCTAssertEqual(second.cached, first.cached)

        // One byte of one text tensor in the middle of the file, written in place, the
        // modification time put back: the weights differ, so the names are embedded again.
        let offset = try Self.dataOffset(of: "text_projection.weight", in: weights) + 1
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: weights)[.size] as? Int)
        XCTAssertTrue(offset > 1 << 20 && offset < size - (1 << 20), "\(offset) of \(size)")
        let modified = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: weights)[.modificationDate] as? Date)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: weights))
        try handle.seek(toOffset: UInt64(offset))
        let byte = try XCTUnwrap(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0x10])
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: weights)

        let third = try label()
        XCTAssertTrue(third.embedded, "changed weights are embedded again, not read from the cache")
        XCTAssertGreaterThan(third.cached, second.cached)
        let fourth = try label()
        XCTAssertFalse(fourth.embedded, "and their own embeddings are cached in turn")
    }

    /// Where a tensor's bytes begin in a safetensors file, read from its header.
    static func dataOffset(of name: String, in path: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        let entry = try XCTUnwrap(header[name] as? [String: Any])
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        return 8 + length + offsets[0]
    }
}
