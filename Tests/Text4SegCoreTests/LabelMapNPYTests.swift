import Foundation
import Text4SegCore
import XCTest

/// `.npy` label maps: NumPy's format 1.0 byte for byte, read back strictly.
final class LabelMapNPYTests: XCTestCase {
    func testEightAndSixteenBitMapsRoundTripWithNumPysHeader() throws {
        let small = LabelMap(width: 3, height: 2, values: [0, 1, 2, 255, 7, 0])
        let data = LabelMapNPY.encode(small)
        let header = String(decoding: data[10..<data.count - 6], as: UTF8.self)
        XCTAssertEqual(Array(data.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        XCTAssertTrue(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"), header)
        XCTAssertEqual((data.count - 6) % 64, 0, "the data starts 64-byte aligned")
        XCTAssertEqual(Array(data.suffix(6)), [0, 1, 2, 255, 7, 0])
        XCTAssertEqual(try LabelMapNPY.decode(data), small)
        let wide = LabelMap(width: 2, height: 1, values: [300, 1])
        let wideData = LabelMapNPY.encode(wide)
        XCTAssertTrue(String(decoding: wideData, as: UTF8.self).contains("'descr': '<u2'"))
        XCTAssertEqual(Array(wideData.suffix(4)), [0x2C, 0x01, 0x01, 0x00])
        XCTAssertEqual(try LabelMapNPY.decode(wideData), wide)
    }

    func testAnythingButATwoDimensionalIntegerArrayIsRefused() throws {
        let good = LabelMapNPY.encode(LabelMap(width: 3, height: 2, values: [0, 1, 2, 3, 4, 5]))
        func replacing(_ old: String, _ new: String) -> Data {
            var data = good
            if let range = data.range(of: Data(old.utf8)) { data.replaceSubrange(range, with: Data(new.utf8)) }
            return data
        }
        let cases: [(Data, String)] = [
            (Data("not numpy".utf8), "magic"),
            (good.dropLast(), "data bytes"),
            (good + [9], "data bytes"),
            (replacing("False", "True "), "Fortran"),
            (replacing("(2, 3)", "(6,)  "), "shape"),
            (replacing("|u1", "<f4"), "dtype"),
            (Data(good.prefix(9)), "magic"),
        ]
        for (data, expected) in cases {
            XCTAssertThrowsError(try LabelMapNPY.decode(data, path: "x.npy")) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
        XCTAssertThrowsError(try LabelMapNPY.decode(replacing("(2, 3)", "(99999, 99999)"), maxPixels: 1_000_000)) {
            guard case ImageError.tooLarge = $0 else { return XCTFail("\($0)") }
        }
    }

    func testMaskFilesAreNamedByIdAndAPlainFileName() throws {
        let vocabulary = try Vocabulary.classList(["traffic light", "a/b", "..", "Straße"])
        let writer = LabelMapWriter(vocabulary: vocabulary)
        XCTAssertEqual(
            (0...4).map(writer.maskFileName), ["0-background.png", "1-traffic_light.png", "2-a_b.png", "3-_..png", "4-Straße.png"])
        let masks = try writer.classMasks(LabelMap(width: 2, height: 2, values: [1, 1, 255, 4]))
        XCTAssertEqual(masks.map(\.fileName), ["1-traffic_light.png", "4-Straße.png"])
        let decoded = try PNGCodec.readLabelMap(masks[1].png)
        XCTAssertEqual(decoded.values, [0, 0, 0, 255])
    }
}
