import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegTestSupport
import XCTest

final class EvaluationRunnerTests: XCTestCase {
    /// A dataset with two good items, a truncated JPEG, a label map of the wrong size and a missing label.
    func makeBrokenDataset() throws -> String {
        let root = try TestPaths.temporaryFolder()
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/images", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/labels", withIntermediateDirectories: true)
        for id in ["2007_000033", "2007_000452"] {
            try fm.copyItem(atPath: TestPaths.samples + "/images/\(id).jpg", toPath: root + "/images/\(id).jpg")
            try fm.copyItem(atPath: TestPaths.samples + "/labels/\(id).png", toPath: root + "/labels/\(id).png")
        }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: TestPaths.samples + "/images/2007_001321.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: URL(fileURLWithPath: root + "/images/cut.jpg"))
        try fm.copyItem(atPath: TestPaths.samples + "/labels/2007_001321.png", toPath: root + "/labels/cut.png")
        try fm.copyItem(atPath: TestPaths.samples + "/images/2007_001321.jpg", toPath: root + "/images/small.jpg")
        let voc = try Vocabulary.load("pascal-voc")
        try LabelMapWriter(vocabulary: voc).writeLabelMap(LabelMap(width: 20, height: 10), to: root + "/labels/small.png")
        try fm.copyItem(atPath: TestPaths.samples + "/images/2007_001321.jpg", toPath: root + "/images/nolabel.jpg")
        try "2007_000033\ncut\nsmall\n2007_000452\nnolabel\n".write(toFile: root + "/ids.txt", atomically: true, encoding: .utf8)
        return root
    }

    func testBadItemsFailWithReasonsAndTheRunContinues() async throws {
        let root = try makeBrokenDataset()
        let voc = try Vocabulary.load("pascal-voc")
        let items = try Dataset.items(at: root)
        XCTAssertEqual(items.map(\.id), ["2007_000033", "cut", "small", "2007_000452", "nolabel"])
        let outcome = try await EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc)).run(items)
        XCTAssertEqual(outcome.evaluated, 2)
        XCTAssertEqual(outcome.failed.map(\.id), ["cut", "small", "nolabel"])
        XCTAssertTrue(outcome.failed[0].reason.contains("truncated"), outcome.failed[0].reason)
        XCTAssertTrue(outcome.failed[1].reason.contains("label map is 20×10, image is 500×333"), outcome.failed[1].reason)
        XCTAssertTrue(outcome.failed[2].reason.contains("cannot read"), outcome.failed[2].reason)
    }

    func testResumeRedoesNoFinishedItemAndGivesTheSameMatrix() async throws {
        let voc = try Vocabulary.load("pascal-voc")
        let items = try Dataset.items(at: TestPaths.samples)
        let folder = try TestPaths.temporaryFolder()
        let journalPath = folder + "/report.json.journal"
        let full = try await EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc)).run(items)

        // First run: only two items, as if killed before the third.
        let (journal, none) = try EvaluationJournal.open(
            path: journalPath, fingerprint: RunFingerprint(["refine.margin": "0.34"]), resume: true)
        XCTAssertTrue(none.finished.isEmpty)
        XCTAssertNil(none.source)
        _ = try await EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc)).run(
            Array(items.prefix(2)), journal: journal)
        await journal.close()
        // A torn last line, as a kill mid-write leaves.
        let handle = FileHandle(forWritingAtPath: journalPath)!
        handle.seekToEndOfFile()
        handle.write(Data("{\"id\":\"2007_00".utf8))
        try handle.close()

        let (resumedJournal, fromJournal) = try EvaluationJournal.open(
            path: journalPath, fingerprint: RunFingerprint(["refine.margin": "0.34"]), resume: true)
        let finished = fromJournal.finished
        XCTAssertEqual(Set(finished.keys), Set(items.prefix(2).map(\.id)))
        XCTAssertEqual(fromJournal.source, journalPath)
        let counter = Counter()
        let runner = EvaluationRunner(segmenter: Segmenter(engine: CountingEngine(counter: counter), vocabulary: voc))
        let resumed = try await runner.run(items, journal: resumedJournal, finished: finished)
        await resumedJournal.close()
        XCTAssertEqual(counter.value, 1, "only the unfinished item runs again")
        XCTAssertEqual(resumed.resumed, 2)
        XCTAssertEqual(resumed.matrix, full.matrix)

        XCTAssertThrowsError(
            try EvaluationJournal.open(path: journalPath, fingerprint: RunFingerprint(["refine.margin": "0.5"]), resume: true)
        ) { error in
            XCTAssertTrue("\(error)".contains("other settings (refine.margin: was '0.34', now '0.5')"), "\(error)")
        }
    }
}

extension EvaluationRunnerTests {
    /// One record per item: the records the report lists add up to the run's matrix,
    /// and a record survives the journal's JSON line unchanged.
    func testItemRecordsAddUpToTheRunAndRoundTripThroughJSON() async throws {
        let voc = try Vocabulary.load("pascal-voc")
        let outcome = try await EvaluationRunner(segmenter: Segmenter(engine: OracleEngine(), vocabulary: voc))
            .run(try Dataset.items(at: TestPaths.samples))
        XCTAssertEqual(outcome.items.count, 3)
        var sum = ConfusionMatrix(classCount: voc.labelCount, ignoreValue: 255)
        for record in outcome.items {
            sum += try XCTUnwrap(try record.matrix(classCount: voc.labelCount, ignoreValue: 255))
            let line = try JSONEncoder().encode(record)
            XCTAssertEqual(try JSONDecoder().decode(ItemRecord.self, from: line), record)
        }
        XCTAssertEqual(sum, outcome.matrix)
        XCTAssertNil(try ItemRecord.failure("x", "broken").matrix(classCount: 21, ignoreValue: 255))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// The oracle, counting how often it is asked.
struct CountingEngine: Engine {
    let counter: Counter
    var name: String { "oracle" }
    func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        counter.increment()
        return try await OracleEngine().describe(request)
    }
}

final class DatasetTests: XCTestCase {
    func testVOCDevkitLayoutIsReadInListOrder() throws {
        let root = try TestPaths.temporaryFolder()
        let voc = root + "/VOCdevkit/VOC2012"
        let fm = FileManager.default
        for folder in ["JPEGImages", "SegmentationClass", "ImageSets/Segmentation"] {
            try fm.createDirectory(atPath: voc + "/" + folder, withIntermediateDirectories: true)
        }
        try "2007_000452\n2007_000033\n".write(toFile: voc + "/ImageSets/Segmentation/val.txt", atomically: true, encoding: .utf8)
        let items = try Dataset.items(at: root)
        XCTAssertEqual(items.map(\.id), ["2007_000452", "2007_000033"])
        XCTAssertEqual(items[0].imagePath, voc + "/JPEGImages/2007_000452.jpg")
        XCTAssertEqual(items[0].labelPath, voc + "/SegmentationClass/2007_000452.png")
        XCTAssertThrowsError(try Dataset.items(at: root, split: "test")) { error in
            XCTAssertTrue("\(error)".contains("test.txt"), "\(error)")
        }
        // A folder below the root finds it too; a folder with no layout around it says what was expected.
        XCTAssertEqual(try Dataset.items(at: root + "/VOCdevkit/VOC2012/JPEGImages"), items)
        let empty = try TestPaths.temporaryFolder()
        XCTAssertThrowsError(try Dataset.items(at: empty)) { error in
            XCTAssertTrue("\(error)".contains("not a dataset folder; expected one of: PASCAL VOC 2012"), "\(error)")
        }
    }
}
