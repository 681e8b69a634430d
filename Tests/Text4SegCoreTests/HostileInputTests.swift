import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// Inputs a hostile but fair user (or a broken server) can send: each must end in a
/// result or a typed error, never a trap, an unbounded allocation or a path outside its folder.
final class HostileInputTests: XCTestCase {
    let voc = try! Vocabulary.load("pascal-voc")

    func testRunCountsAtTheLimitsOfIntDoNotTrap() throws {
        for count in ["9223372036854775807", "9223372036854775808", "99999999999999999999999999", "18446744073709551616"] {
            let decoded = try DescriptorDecoder.decode("<seg>cat *1| dog *\(count)\n</seg>", vocabulary: voc, rows: 24, cols: 24)
            XCTAssertEqual(decoded.grid.values[0], 8)
            XCTAssertEqual(decoded.grid.values[1], 12, "the long run fills the rest of the row")
            XCTAssertTrue(decoded.repairs.contains(.longRow(row: 0, cells: Int.max, expected: 24)), "\(decoded.repairs)")
        }
        // The full form and many huge runs in one row.
        let many = (0..<100).map { _ in "cat *9223372036854775807" }.joined(separator: "| ")
        XCTAssertNoThrow(try DescriptorDecoder.decode("<seg>\(many)\n</seg>", vocabulary: voc, rows: 4, cols: 4))
    }

    func testCRLFAndCRLineEndingsSplitRows() throws {
        let lf = "<seg>others *2\n cat *2\n</seg>"
        for answer in [lf, lf.replacingOccurrences(of: "\n", with: "\r\n"), lf.replacingOccurrences(of: "\n", with: "\r")] {
            let decoded = try DescriptorDecoder.decode(answer, vocabulary: voc, rows: 2, cols: 2, strict: true)
            XCTAssertEqual(decoded.grid.values, [0, 0, 8, 8], answer.debugDescription)
        }
    }

    func testUnknownLabelsAreCountedAtEveryOccurrenceAndQuotedShortly() throws {
        let answer = "<seg>" + Array(repeating: "x", count: 17).joined(separator: "| ") + "\n</seg>"
        let decoded = try DescriptorDecoder.decode(answer, vocabulary: voc, rows: 2, cols: 2)
        XCTAssertTrue(decoded.repairs.contains(.unknownLabel("x", occurrences: 17)), "\(decoded.repairs)")
        XCTAssertTrue(decoded.repairs.contains(.cellCount(found: 17, expected: 4)))

        let huge = String(repeating: "q\u{1B}[2J", count: 100_000)
        let repaired = try DescriptorDecoder.decode("<seg>\(huge) *2\n</seg>", vocabulary: voc, rows: 1, cols: 2)
        let message = repaired.repairs.map(\.description).joined(separator: "\n")
        XCTAssertLessThan(message.utf8.count, 400, "a 500 KB label is quoted as a short excerpt")
        XCTAssertFalse(message.contains("\u{1B}"), "control bytes are escaped")
        XCTAssertTrue(message.contains("\\u{1B}"))
    }

    func testThousandsOfDistinctUnknownLabelsGiveAFewRepairs() throws {
        let answer = "<seg>" + (0..<5000).map { "label\($0)" }.joined(separator: "| ") + "\n</seg>"
        let decoded = try DescriptorDecoder.decode(answer, vocabulary: voc, rows: 1, cols: 5000)
        XCTAssertLessThanOrEqual(decoded.repairs.count, 14)
        XCTAssertTrue(decoded.repairs.contains(.moreUnknownLabels(distinct: 4990, occurrences: 4990)), "\(decoded.repairs)")
    }

    func testIdsThatLeaveTheirFolderAreRefused() throws {
        for id in ["../../victim/pwn", "/etc/passwd", "a/b", "..", ".", "", "a\\b", "x\u{0}y"] {
            XCTAssertThrowsError(try ConfinedPath.join("out", id, extension: "png"), id.debugDescription)
        }
        XCTAssertEqual(try ConfinedPath.join("out", "2007_000033", extension: "png"), "out/2007_000033.png")
        XCTAssertEqual(try ConfinedPath.join("out", "..hidden", extension: "png"), "out/..hidden.png", "dots inside a name are fine")

        let root = try TestPaths.temporaryFolder()
        for folder in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        try "2007_000033\n../../victim/pwn\n".write(toFile: root + "/ids.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Dataset.items(at: root)) { error in
            XCTAssertTrue("\(error)".contains("ids.txt:2: id '../../victim/pwn' is not a plain file name"), "\(error)")
        }
    }

    func testDuplicateIdsAreListedOnceAndReported() throws {
        let root = try TestPaths.temporaryFolder()
        for folder in ["images", "labels"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        try "a\nb\na\na\n".write(toFile: root + "/ids.txt", atomically: true, encoding: .utf8)
        let listing = try Dataset.list(at: root)
        XCTAssertEqual(listing.items.map(\.id), ["a", "b"])
        XCTAssertEqual(listing.duplicates.map(\.id), ["a"])
        XCTAssertEqual(listing.duplicates.map(\.count), [3])
    }

    func testTheKeyIsRedactedInEverySpelling() {
        let key = "sk-live/abc+123=="
        let text = "echo: Bearer sk-live/abc+123== and \"sk-live\\/abc+123==\" and sk%2Dlive%2Fabc%2B123%3D%3D"
        let redacted = Redaction.redact(text, secrets: [key])
        XCTAssertFalse(redacted.contains("abc"), redacted)
        XCTAssertEqual(Redaction.redact("nothing secret", secrets: [key]), "nothing secret")
        XCTAssertEqual(Redaction.redact("a b c", secrets: ["a"]), "a b c", "one-letter 'keys' would blank ordinary words")
    }

    func testTextFilesSayWhatIsWrongWithThem() throws {
        let folder = try TestPaths.temporaryFolder()
        XCTAssertEqual(try? TextFile.read(folder).isEmpty, nil)
        XCTAssertThrowsError(try TextFile.read(folder)) { XCTAssertEqual($0 as? TextFileError, .isFolder(folder)) }
        XCTAssertThrowsError(try TextFile.read(folder + "/none.txt")) {
            XCTAssertEqual($0 as? TextFileError, .missing(folder + "/none.txt"))
        }
        let utf16 = folder + "/utf16.txt"
        try "<seg>cat *24\n</seg>".data(using: .utf16)!.write(to: URL(fileURLWithPath: utf16))
        XCTAssertThrowsError(try TextFile.read(utf16)) { XCTAssertTrue("\($0)".contains("UTF-16"), "\($0)") }
        let latin1 = folder + "/latin1.txt"
        try Data([0x63, 0x61, 0x74, 0xE9, 0x20]).write(to: URL(fileURLWithPath: latin1))
        XCTAssertThrowsError(try TextFile.read(latin1)) { XCTAssertTrue("\($0)".contains("byte 3 is not valid UTF-8"), "\($0)") }
        XCTAssertThrowsError(try TextFile.decode(Data(count: 100), path: "x", limit: 10)) {
            XCTAssertTrue("\($0)".contains("larger than"), "\($0)")
        }
        XCTAssertEqual(try TextFile.decode(Data([0xEF, 0xBB, 0xBF, 0x61]), path: "bom"), "a")
    }

    func testVocabularyFolderGivesAPlainMessage() throws {
        let folder = try TestPaths.temporaryFolder()
        XCTAssertThrowsError(try Vocabulary.load(folder)) { error in
            XCTAssertEqual("\(error)", "cannot read vocabulary: \(folder) is a folder, not a file")
        }
    }

    /// A JPEG whose frame header claims 65000×65000 and a PNG whose IHDR claims 60000×60000
    /// are refused from their headers, before a byte of pixels is allocated.
    func testDeclaredSizesOverTheLimitAreRefusedBeforeDecoding() throws {
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: TestPaths.samples + "/images/2007_000033.jpg"))
        let bomb = JPEGHeaders.withDeclaredSize(jpeg, width: 65000, height: 65000)
        XCTAssertThrowsError(try JPEGCodec.decode(bomb, path: "bomb.jpg")) { error in
            XCTAssertEqual(error as? ImageError, .tooLarge(path: "bomb.jpg", width: 65000, height: 65000, limit: Limits.defaultMaxPixels))
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: TestPaths.samples + "/labels/2007_000033.png"))
        let pngBomb = PNGHeaders.withDeclaredSize(png, width: 60000, height: 60000)
        XCTAssertThrowsError(try PNGCodec.readLabelMap(pngBomb, path: "bomb.png")) { error in
            XCTAssertEqual(error as? ImageError, .tooLarge(path: "bomb.png", width: 60000, height: 60000, limit: Limits.defaultMaxPixels))
        }
        // The limit is the caller's: the real image is refused under a tiny one, read under the default.
        XCTAssertThrowsError(try JPEGCodec.decode(jpeg, maxPixels: 1000))
        XCTAssertEqual(try JPEGCodec.decode(jpeg).width, 500)
    }

    func testLargeImagesAreRefinedAtABoundedSizeAndComeBackFullSize() async throws {
        let image = RGBImage(width: 1800, height: 1200, pixels: [UInt8](repeating: 128, count: 1800 * 1200 * 3))
        var truth = LabelMap(width: 1800, height: 1200)
        for y in 300..<900 { for x in 600..<1200 { truth[x, y] = 8 } }
        var segmenter = Segmenter(engine: OracleEngineStandIn(), vocabulary: voc, refiner: WatershedRefiner())
        segmenter.maxRefinePixels = 200_000
        let result = try await segmenter.segment(itemID: "big", image: image, groundTruth: truth)
        XCTAssertEqual(result.labelMap.width, 1800)
        XCTAssertEqual(result.labelMap.height, 1200)
        XCTAssertEqual(result.labelMap[900, 600], 8)
        XCTAssertEqual(result.labelMap[10, 10], 0)
    }
}

/// The ground truth's own 24×24 nearest grid, without the Engines module.
struct OracleEngineStandIn: Engine {
    var name: String { "oracle" }
    func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let truth = request.groundTruth!
        let grid = truth.downsample(rows: request.prompt.grid, cols: request.prompt.grid, rule: .nearest, ignoreValue: 255, othersValue: 0)
        return EngineOutput(grid: grid)
    }
}

/// Rewrites the size in a JPEG's first frame header (SOFn).
enum JPEGHeaders {
    static func withDeclaredSize(_ data: Data, width: Int, height: Int) -> Data {
        var bytes = [UInt8](data)
        var i = 2
        while i + 9 < bytes.count {
            guard bytes[i] == 0xFF else { break }
            let marker = bytes[i + 1], length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                bytes[i + 5] = UInt8(height >> 8); bytes[i + 6] = UInt8(height & 0xFF)
                bytes[i + 7] = UInt8(width >> 8); bytes[i + 8] = UInt8(width & 0xFF)
                break
            }
            i += 2 + length
        }
        return Data(bytes)
    }
}

/// Rewrites the size in a PNG's IHDR chunk and fixes its CRC.
enum PNGHeaders {
    static func withDeclaredSize(_ data: Data, width: Int, height: Int) -> Data {
        var bytes = [UInt8](data)
        for (offset, value) in [(16, width), (20, height)] {
            for k in 0..<4 { bytes[offset + k] = UInt8((value >> (24 - 8 * k)) & 0xFF) }
        }
        let crc = crc32(bytes[12..<29])
        for k in 0..<4 { bytes[29 + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
        return Data(bytes)
    }

    static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}
