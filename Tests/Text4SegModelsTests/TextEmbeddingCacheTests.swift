import Foundation
import Text4SegModels
import Text4SegTestSupport
import XCTest

final class TextEmbeddingCacheTests: XCTestCase {
    func testVectorsComeBackBitForBitAndPerModel() throws {
        let folder = try TestPaths.temporaryFolder() + "/cache"
        let cache = TextEmbeddingCache(folder: folder, model: "m1", dimension: 3)
        var computed: [String] = []
        func compute(_ text: String) -> [Float] {
            computed.append(text)
            return [Float(text.count), 0.1, -Float.pi]
        }
        let first = cache.embeddings(for: ["cat", "potted plant", "café ☕"], compute: compute)
        XCTAssertEqual(computed, ["cat", "potted plant", "café ☕"])
        // A new instance (the next run) reads them back without computing.
        let again = TextEmbeddingCache(folder: folder, model: "m1", dimension: 3).embeddings(for: ["café ☕", "cat"], compute: compute)
        XCTAssertEqual(computed.count, 3)
        XCTAssertEqual(again[0].map(\.bitPattern), first[2].map(\.bitPattern))
        XCTAssertEqual(again[1].map(\.bitPattern), first[0].map(\.bitPattern))
        // Another model never sees these vectors.
        _ = TextEmbeddingCache(folder: folder, model: "m2", dimension: 3).embeddings(for: ["cat"], compute: compute)
        XCTAssertEqual(computed.last, "cat")
        XCTAssertEqual(computed.count, 4)
    }

    func testDamagedFilesAreRecomputed() throws {
        let folder = try TestPaths.temporaryFolder() + "/cache"
        let cache = TextEmbeddingCache(folder: folder, model: "m", dimension: 2)
        _ = cache.embeddings(for: ["dog"]) { _ in [1, 2] }
        let file = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasSuffix(".emb") })
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
        try data.prefix(data.count - 3).write(to: URL(fileURLWithPath: folder + "/" + file))
        var recomputed = false
        let vector = cache.embeddings(for: ["dog"]) { _ in
            recomputed = true
            return [3, 4]
        }
        XCTAssertTrue(recomputed, "a truncated file is not trusted")
        XCTAssertEqual(vector, [[3, 4]])
        XCTAssertEqual(cache.embeddings(for: ["dog"]) { _ in [9, 9] }, [[3, 4]], "and the recomputed vector is stored")
    }
}
