import Foundation
import Text4SegCore
import XCTest

/// Temporary folders are made by mkdtemp: private, new, and not at a name anyone could plant.
final class TemporaryFolderTests: XCTestCase {
    func testFoldersArePrivateNewAndUnpredictable() throws {
        let parent = NSTemporaryDirectory() + "t4s-tmp-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let a = try TemporaryFolder.make(prefix: "text4seg-predictions-", in: parent)
        let b = try TemporaryFolder.make(prefix: "text4seg-predictions-", in: parent + "/")
        XCTAssertNotEqual(a, b)
        for folder in [a, b] {
            XCTAssertTrue(folder.hasPrefix(parent + "/text4seg-predictions-"), folder)
            XCTAssertFalse(folder.hasSuffix("\(ProcessInfo.processInfo.processIdentifier)"), "not named by the process id")
            let attributes = try FileManager.default.attributesOfItem(atPath: folder)
            XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeDirectory, "a real folder, not a link")
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        }
        XCTAssertThrowsError(try TemporaryFolder.make(prefix: "x", in: parent + "/missing")) {
            XCTAssertTrue("\($0)".contains("cannot make a temporary folder in \(parent)/missing"), "\($0)")
        }
    }
}
