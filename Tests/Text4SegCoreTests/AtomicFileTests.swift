import Foundation
import Text4SegTestSupport
import XCTest

@testable import Text4SegCore

/// The temporary file of an atomic write is a new file, never a link or a file planted in advance.
final class AtomicFileTests: XCTestCase {
    func testTheTemporaryFileIsNeverAPlantedLinkOrFile() throws {
        let folder = try TestPaths.temporaryFolder()
        let victim = folder + "/victim.txt"
        try "precious".write(toFile: victim, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/.out.png.1.2.tmp", withDestinationPath: victim)
        XCTAssertThrowsError(try AtomicFile.create(folder + "/.out.png.1.2.tmp", Data("label map".utf8)))
        try "planted".write(toFile: folder + "/.out.png.3.4.tmp", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try AtomicFile.create(folder + "/.out.png.3.4.tmp", Data("label map".utf8)))
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious")

        try AtomicFile.write(Data("label map".utf8), to: folder + "/out.png")
        XCTAssertEqual(try String(contentsOfFile: folder + "/out.png", encoding: .utf8), "label map")
        try AtomicFile.write(Data(), to: folder + "/empty.png")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/empty.png")).count, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers.count, 2, "only the planted names: \(leftovers)")
    }
}
