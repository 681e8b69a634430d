import Foundation
import Text4SegCore
import XCTest

@testable import Text4SegReports

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The encodings of the exports, against hand-computed values and as round trips; the tools'
/// own readers check the files end to end (ExportEndToEndTests).
final class AnnotationExportTests: XCTestCase {
    /// 0 1 1 0
    /// 0 1 0 0
    /// 0 0 0 1
    let map = LabelMap(width: 4, height: 3, values: [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1])

    func testCOCORunsAndCountsAreTheCOCOAPIs() throws {
        let mask = try XCTUnwrap(ClassMask.all(in: map, skipping: [0]).first)
        XCTAssertEqual(mask.area, 4)
        XCTAssertEqual(mask.box, ClassMask.Box(x: 1, y: 0, width: 3, height: 3))
        // Down each column: 0 0 0 | 1 1 0 | 1 0 0 | 0 0 1.
        XCTAssertEqual(mask.columnMajorRuns(), [3, 2, 1, 1, 4, 1])
        // pycocotools.mask.encode gives b'321O30' for this mask (the fourth run is stored as 1 − 2 = −1: 'O').
        XCTAssertEqual(COCORLE.string([3, 2, 1, 1, 4, 1]), "321O30")
        XCTAssertEqual(COCORLE.runs("321O30"), [3, 2, 1, 1, 4, 1])
        XCTAssertNil(COCORLE.runs("3 2"))
        XCTAssertNil(COCORLE.runs("~~~~~~~~~~~~~~"))
    }

    func testCOCOCountsRoundTripOnRandomMasks() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let width = Int.random(in: 1...40, using: &generator), height = Int.random(in: 1...40, using: &generator)
            let density = Double.random(in: 0...1, using: &generator)
            let values = (0..<(width * height)).map { _ in UInt16(Double.random(in: 0..<1, using: &generator) < density ? 7 : 0) }
            let map = LabelMap(width: width, height: height, values: values)
            for mask in ClassMask.all(in: map) {
                let runs = mask.columnMajorRuns()
                XCTAssertEqual(runs.reduce(0, +), width * height)
                XCTAssertEqual(COCORLE.runs(COCORLE.string(runs)), runs)
            }
        }
        // Runs long enough to need several 5-bit groups, and differences of both signs.
        let long = [0, 1_000_000, 3, 70_000, 69_999, 1, 2_000_000]
        XCTAssertEqual(COCORLE.runs(COCORLE.string(long)), long)
    }

    func testCVATRunsCoverTheBoxRowByRow() throws {
        let mask = try XCTUnwrap(ClassMask.all(in: map, skipping: [0]).first)
        // The box x 1…3, y 0…2, row by row: 1 1 0 | 1 0 0 | 0 0 1.
        XCTAssertEqual(mask.boxRowMajorRuns(), [0, 2, 1, 1, 4, 1])
    }

    /// Label Studio's format decoded here as its decoder does (label-studio-sdk `decode_rle`).
    func testLabelStudioBytesDecodeToTheMaskInEveryChannel() throws {
        let mask = try XCTUnwrap(ClassMask.all(in: map, skipping: [0]).first)
        let bytes = LabelStudioRLE.encode(rowMajorRuns: mask.rowMajorRuns(), pixels: 12)
        // Header: 48 values (12 pixels × RGBA), word size 8 (stored 7), run widths 3, 4, 8, 16 (stored 2, 3, 7, 15).
        XCTAssertEqual(Array(bytes.prefix(4)), [0, 0, 0, 48])
        let decoded = try XCTUnwrap(decodeLabelStudio(bytes))
        XCTAssertEqual(decoded.count, 48)
        let expected = map.values.flatMap { Array(repeating: UInt8($0 == 1 ? 255 : 0), count: 4) }
        XCTAssertEqual(decoded, expected)
        // A run past 2^16 values is split across records.
        let big = LabelStudioRLE.encode(rowMajorRuns: [0, 40_000], pixels: 40_000)
        XCTAssertEqual(try XCTUnwrap(decodeLabelStudio(big)), [UInt8](repeating: 255, count: 160_000))
    }

    func testOthersAndIgnoreGetNoRegionAndNamesAreEscaped() throws {
        let vocabulary = try Vocabulary.classList(["a<b & \"c\"", "dog"])
        var export = AnnotationExport(formats: Set(AnnotationExport.Format.allCases), vocabulary: vocabulary, modelVersion: "test")
        export.add(image: "x y/é.jpg", map: LabelMap(width: 3, height: 1, values: [0, 1, 255]))
        let documents = try export.documents()
        XCTAssertEqual(documents.map(\.fileName), ["coco.json", "labelstudio.json", "cvat.xml"])
        let coco = try XCTUnwrap(try JSONSerialization.jsonObject(with: documents[0].data) as? [String: Any])
        let annotations = try XCTUnwrap(coco["annotations"] as? [[String: Any]])
        XCTAssertEqual(annotations.map { $0["category_id"] as? Int }, [1])
        XCTAssertEqual((coco["categories"] as? [[String: Any]])?.map { $0["id"] as? Int }, [1, 2])
        let tasks = try XCTUnwrap(try JSONSerialization.jsonObject(with: documents[1].data) as? [[String: Any]])
        XCTAssertEqual((tasks[0]["data"] as? [String: String])?["image"], "/data/local-files/?d=x%20y/%C3%A9.jpg")
        let xml = String(decoding: documents[2].data, as: UTF8.self)
        XCTAssertTrue(xml.contains("<name>a&lt;b &amp; &quot;c&quot;</name>"), xml)
        XCTAssertTrue(xml.contains("<mask label=\"a&lt;b &amp; &quot;c&quot;\""), xml)
        XCTAssertEqual(xml.components(separatedBy: "<mask ").count - 1, 1)
        XCTAssertNoThrow(try XMLDocument(data: documents[2].data))
        let config = LabelStudioExport.labelingConfig(vocabulary: vocabulary)
        XCTAssertEqual(
            config,
            """
            <View>
              <Image name="image" value="$image" zoom="true"/>
              <BrushLabels name="label" toName="image">
                <Label value="a&lt;b &amp; &quot;c&quot;" background="#800000"/>
                <Label value="dog" background="#008000"/>
              </BrushLabels>
            </View>

            """)
    }

    /// Label Studio's brush RLE read back: a 32-bit count, the word size, four run widths, then
    /// records of a repeat bit, a width choice, a length and one word (repeat) or `length` words.
    func decodeLabelStudio(_ bytes: [UInt8]) -> [UInt8]? {
        var position = 0
        func read(_ bits: Int) -> Int? {
            var value = 0
            for _ in 0..<bits {
                guard position / 8 < bytes.count else { return nil }
                value = value << 1 | Int((bytes[position / 8] >> (7 - UInt8(position % 8))) & 1)
                position += 1
            }
            return value
        }
        guard let count = read(32), let word = read(5).map({ $0 + 1 }) else { return nil }
        var widths: [Int] = []
        for _ in 0..<4 { guard let width = read(4) else { return nil }; widths.append(width + 1) }
        var out: [UInt8] = []
        while out.count < count {
            guard let repeated = read(1), let choice = read(2), let length = read(widths[choice]).map({ $0 + 1 }) else { return nil }
            if repeated == 1 {
                guard let value = read(word) else { return nil }
                out += [UInt8](repeating: UInt8(value), count: length)
            } else {
                for _ in 0..<length { guard let value = read(word) else { return nil }; out.append(UInt8(value)) }
            }
        }
        return out
    }
}
