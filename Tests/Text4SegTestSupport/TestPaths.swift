import Foundation
import Text4SegModels
import XCTest

/// Where the repository's files and the team's shared data are, seen from the tests.
public enum TestPaths {
    /// The checkout's root (this file is `Tests/Text4SegTestSupport/TestPaths.swift`), for the
    /// repository's own files the tests read as a user would: `Vocabularies/`, `Configs/`,
    /// `Samples/`, `scripts/` and `Tests/FuzzCorpus/`.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// The one Fixtures root (`Tests/Text4SegTestSupport/Fixtures`), as the build copied it into
    /// this target's resource bundle.
    public static let fixtures: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the test bundle holds no Fixtures folder: rebuild the tests (swift build --build-tests)")
        }
        return url.path
    }()
    /// Where the fixtures are in the checkout: only the help snapshots' update mode writes there.
    public static let sourceFixtures = packageRoot + "/Tests/Text4SegTestSupport/Fixtures"
    /// Three VOC 2012 val pairs, the README's quick-start input (images/, labels/, ids.txt).
    public static let samples = packageRoot + "/Samples/voc"
    /// Twelve VOC 2012 val pairs committed for the end-to-end tests (images/, labels/, ids.txt).
    public static let voc12 = fixtures + "/voc12"
    /// A tiny random CLIP checkpoint and its transformers references (scripts/clip_reference.py).
    public static let clipTiny = fixtures + "/clip-tiny"
    /// CLIP's full BPE merges, from PyPI's open_clip_torch wheel (`.ci/run` puts them there).
    public static var clipMerges: String {
        ProcessInfo.processInfo.environment["TEXT4SEG_CLIP_BPE"] ?? ModelStore().folder + "/clip-bpe/bpe_simple_vocab_16e6.txt.gz"
    }
    /// The 290-image VOC dev set: `../shared/data/voc2012-val-dev` beside the checkout (as on CI).
    public static let vocDev = URL(fileURLWithPath: packageRoot + "/../shared/data/voc2012-val-dev").standardized.path
    /// Three ADE20K val pairs: `../shared/data/ade20k-val-sample` (images/, labels/).
    public static let adeSample = URL(fileURLWithPath: packageRoot + "/../shared/data/ade20k-val-sample").standardized.path

    /// The dev set's path, or a skip (a failure under `TEXT4SEG_REQUIRE_ALL=1`) when it is not beside the checkout.
    public static func requireVOCDev(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try Prerequisite.vocDev.require(file: file, line: line)
        return vocDev
    }

    /// The ADE20K sample's path, or a skip (a failure under `TEXT4SEG_REQUIRE_ALL=1`).
    public static func requireADESample(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try Prerequisite.adeSample.require(file: file, line: line)
        return adeSample
    }

    public static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "text4seg-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// ‖a − b‖ / ‖b‖: how far a port's output is from a reference's.
public func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    var error: Float = 0, norm: Float = 0
    for (x, y) in zip(a, b) {
        error += (x - y) * (x - y)
        norm += y * y
    }
    return (error / norm).squareRoot()
}
