import Text4SegCore
import XCTest

final class DescriptorCodecTests: XCTestCase {
    let voc = try! Vocabulary.load("pascal-voc")

    /// The G = 4 example from Text4Seg's description of `encode_mask`.
    func testEncodeMatchesTheReferenceExampleByteForByte() {
        let grid = DescriptorGrid(
            rows: 4, cols: 4,
            values: [
                0, 0, 0, 0,
                0, 8, 8, 8,
                0, 8, 8, 0,
                0, 0, 0, 0,
            ])
        let text = DescriptorEncoder.encode(grid, vocabulary: voc)
        XCTAssertEqual(text, "others *4\n others *1| cat *3\n others *1| cat *2| others *1\n others *4\n")
        XCTAssertEqual(
            DescriptorEncoder.answer(text),
            "Sure, the segmentation mask is:\n<seg>others *4\n others *1| cat *3\n others *1| cat *2| others *1\n others *4\n</seg>")
    }

    func testEncodeUsesPromptNamesAndFullForm() {
        let grid = DescriptorGrid(rows: 1, cols: 3, values: [20, 20, 16])
        XCTAssertEqual(DescriptorEncoder.encode(grid, vocabulary: voc), "TV *2| potted plant *1\n")
        XCTAssertEqual(DescriptorEncoder.encode(grid, vocabulary: voc, format: .full), "TV|TV|potted plant")
    }

    func testRoundTripOfRandomGrids() throws {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<300 {
            let rows = Int.random(in: 1...33, using: &rng), cols = Int.random(in: 1...33, using: &rng)
            // Few distinct labels make long runs; many make short ones. Both matter.
            let palette = (0..<Int.random(in: 1...21, using: &rng)).map { _ in UInt16.random(in: 0...20, using: &rng) }
            var values = [UInt16]()
            var current = palette[0]
            for _ in 0..<(rows * cols) {
                if Int.random(in: 0..<4, using: &rng) == 0 { current = palette.randomElement(using: &rng)! }
                values.append(current)
            }
            let grid = DescriptorGrid(rows: rows, cols: cols, values: values)
            for format in DescriptorFormat.allCases {
                let answer = DescriptorEncoder.answer(DescriptorEncoder.encode(grid, vocabulary: voc, format: format))
                let decoded = try DescriptorDecoder.decode(answer, vocabulary: voc, rows: rows, cols: cols, strict: true)
                XCTAssertEqual(decoded.grid, grid, "trial \(trial), \(format)")
                XCTAssertEqual(decoded.repairs, [])
            }
        }
    }

    func testChatterAroundTheBlockIsIgnored() throws {
        let text = "Of course! Here you go.\n<seg>cat *2\n dog *2\n</seg>\nAnything else?"
        let decoded = try DescriptorDecoder.decode(text, vocabulary: voc, rows: 2, cols: 2, strict: true)
        XCTAssertEqual(decoded.grid.values, [8, 8, 12, 12])
    }

    func testCutOffAnswerIsRepairedAndReported() throws {
        let text = "Sure, the segmentation mask is:\n<seg>others *4\n others *1| cat *3\n others *1| ca"
        let decoded = try DescriptorDecoder.decode(text, vocabulary: voc, rows: 4, cols: 4)
        XCTAssertEqual(decoded.grid.values, [0, 0, 0, 0, 0, 8, 8, 8, 0, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertTrue(decoded.repairs.contains(.missingSegEnd))
        XCTAssertTrue(decoded.repairs.contains(.missingRows(found: 3, expected: 4)))
        XCTAssertTrue(decoded.repairs.contains(.shortRow(row: 2, cells: 2, expected: 4)))
        XCTAssertTrue(decoded.repairs.contains(.unknownLabel("ca", occurrences: 1)))
        XCTAssertThrowsError(try DescriptorDecoder.decode(text, vocabulary: voc, rows: 4, cols: 4, strict: true)) { error in
            XCTAssertTrue("\(error)".contains("cut off"), "\(error)")
        }
    }

    func testUnknownLabelsBecomeOthersAndSynonymsResolve() throws {
        let text = "<seg>giraffe *1| Television *1| potted_plant *1\n</seg>"
        let decoded = try DescriptorDecoder.decode(text, vocabulary: voc, rows: 1, cols: 3)
        XCTAssertEqual(decoded.grid.values, [0, 20, 16])
        XCTAssertEqual(decoded.repairs, [.unknownLabel("giraffe", occurrences: 1)])
    }

    func testRaggedRowsArePaddedOrTruncated() throws {
        let text = "<seg>cat *1\n dog *5\n cat *1| dog *2\n</seg>"
        let decoded = try DescriptorDecoder.decode(text, vocabulary: voc, rows: 3, cols: 3)
        XCTAssertEqual(decoded.grid.values, [8, 8, 8, 12, 12, 12, 8, 12, 12])
        XCTAssertEqual(decoded.repairs, [.shortRow(row: 0, cells: 1, expected: 3), .longRow(row: 1, cells: 5, expected: 3)])
    }

    func testExtraRowsAreDropped() throws {
        let decoded = try DescriptorDecoder.decode("<seg>cat *1\n dog *1\n bird *1\n</seg>", vocabulary: voc, rows: 2, cols: 1)
        XCTAssertEqual(decoded.grid.values, [8, 12])
        XCTAssertEqual(decoded.repairs, [.extraRows(found: 3, expected: 2)])
    }

    func testMissingSegBlockGivesOthersEverywhere() throws {
        let decoded = try DescriptorDecoder.decode("I cannot segment this image.", vocabulary: voc, rows: 2, cols: 2)
        XCTAssertEqual(decoded.grid.values, [0, 0, 0, 0])
        XCTAssertEqual(decoded.repairs, [.missingSegBlock])
        XCTAssertThrowsError(try DescriptorDecoder.decode("no block", vocabulary: voc, rows: 2, cols: 2, strict: true))
    }

    func testBadRunCountsAndEmptyBlocks() throws {
        let decoded = try DescriptorDecoder.decode("<seg>cat *x| dog *2\n</seg>", vocabulary: voc, rows: 1, cols: 3)
        XCTAssertEqual(decoded.grid.values, [8, 12, 12])
        XCTAssertEqual(decoded.repairs, [.badRunCount(row: 0, run: "cat *x", occurrences: 1)])
        let empty = try DescriptorDecoder.decode("<seg>\n</seg>", vocabulary: voc, rows: 1, cols: 2)
        XCTAssertEqual(empty.repairs, [.emptyDescriptor])
        // A runaway count must not allocate without bound.
        let huge = try DescriptorDecoder.decode("<seg>cat *99999999999\n</seg>", vocabulary: voc, rows: 1, cols: 2)
        XCTAssertEqual(huge.grid.values, [8, 8])
    }

    func testFullFormWithWrongCellCount() throws {
        let decoded = try DescriptorDecoder.decode("<seg>cat|dog|cat</seg>", vocabulary: voc, rows: 2, cols: 2)
        XCTAssertEqual(decoded.grid.values, [8, 12, 8, 8])
        XCTAssertEqual(decoded.repairs, [.cellCount(found: 3, expected: 4)])
    }

    func testOthersDecodesToIgnoreWithoutBackgroundClass() throws {
        let coco = try Vocabulary.load("coco-stuff-171")
        let decoded = try DescriptorDecoder.decode("<seg>others *1| person *1\n</seg>", vocabulary: coco, rows: 1, cols: 2, strict: true)
        XCTAssertEqual(decoded.grid.values, [255, 0])
        XCTAssertEqual(DescriptorEncoder.encode(decoded.grid, vocabulary: coco), "others *1| person *1\n")
    }
}
