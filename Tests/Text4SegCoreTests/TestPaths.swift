import Foundation
import XCTest

/// Where the repository's files and the team's shared data are, seen from the tests.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = packageRoot + "/Tests/Text4SegCoreTests/Fixtures"
    static let samples = packageRoot + "/Samples/voc"
    /// The 290-image VOC dev set: `../shared/data/voc2012-val-dev` beside the checkout (as on CI).
    static let vocDev = URL(fileURLWithPath: packageRoot + "/../shared/data/voc2012-val-dev").standardized.path

    static func requireVOCDev(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard FileManager.default.fileExists(atPath: vocDev + "/ids.txt") else {
            XCTFail("the VOC dev set is missing at \(vocDev); it is laid beside the checkout as shared/data", file: file, line: line)
            throw XCTSkip("no data")
        }
        return vocDev
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "text4seg-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// ‖a − b‖ / ‖b‖: how far a port's output is from a reference's.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    var error: Float = 0, norm: Float = 0
    for (x, y) in zip(a, b) {
        error += (x - y) * (x - y)
        norm += y * y
    }
    return (error / norm).squareRoot()
}
