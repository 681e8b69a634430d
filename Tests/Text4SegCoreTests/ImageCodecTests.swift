import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

final class ImageCodecTests: XCTestCase {
    func testPaletteLabelMapRoundTripsRandomMaps() throws {
        var rng = SplitMix64(seed: 3)
        let palette = PascalColorMap.palette
        for _ in 0..<40 {
            let w = Int.random(in: 1...97, using: &rng), h = Int.random(in: 1...61, using: &rng)
            let values = (0..<(w * h)).map { _ in [UInt16(0), 255, UInt16.random(in: 0...254, using: &rng)].randomElement(using: &rng)! }
            let map = LabelMap(width: w, height: h, values: values)
            let png = try PNGCodec.encodeLabelMap(map, palette: palette)
            let decoded = try PNGCodec.decode(png)
            XCTAssertEqual(decoded.colorType, 3)
            XCTAssertEqual(decoded.bitDepth, 8)
            XCTAssertEqual(decoded.palette, palette)
            XCTAssertEqual(try PNGCodec.readLabelMap(png), map)
        }
    }

    func testSixteenBitLabelMapsRoundTrip() throws {
        let map = LabelMap(width: 3, height: 2, values: [0, 255, 256, 1000, 65535, 7])
        let png = try PNGCodec.encodeLabelMap(map, palette: [])
        let decoded = try PNGCodec.decode(png)
        XCTAssertEqual(decoded.colorType, 0)
        XCTAssertEqual(decoded.bitDepth, 16)
        XCTAssertEqual(try PNGCodec.readLabelMap(png), map)
    }

    func testRGBRoundTrip() throws {
        var rng = SplitMix64(seed: 9)
        let image = RGBImage(width: 13, height: 7, pixels: (0..<(13 * 7 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        XCTAssertEqual(try PNGCodec.readRGB(try PNGCodec.encodeRGB(image)), image)
    }

    func testReadsTheSampleJPEGAndItsGroundTruth() throws {
        let image = try ImageIO.readImage(TestPaths.samples + "/images/2007_000033.jpg")
        XCTAssertEqual(image.width, 500)
        XCTAssertEqual(image.height, 366)
        let truth = try ImageIO.readLabelMap(TestPaths.samples + "/labels/2007_000033.png")
        XCTAssertEqual(truth.width, 500)
        XCTAssertEqual(truth.height, 366)
        XCTAssertEqual(Set(truth.values), [0, 1, 255])
    }

    func testTruncatedJPEGIsAnError() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.samples + "/images/2007_000033.jpg"))
        let folder = try TestPaths.temporaryFolder()
        let path = folder + "/cut.jpg"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ImageIO.readImage(path)) { error in
            XCTAssertEqual(error as? ImageError, .truncated(path: path))
        }
        let garbage = folder + "/garbage.jpg"
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try ImageIO.readImage(garbage)) { error in
            guard case .corrupt = error as? ImageError else { return XCTFail("\(error)") }
        }
    }

    func testTruncatedAndForeignPNGsAreErrors() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.samples + "/labels/2007_000033.png"))
        XCTAssertThrowsError(try PNGCodec.readLabelMap(data.prefix(data.count - 40), path: "cut.png")) { error in
            XCTAssertEqual(error as? ImageError, .truncated(path: "cut.png"))
        }
        let folder = try TestPaths.temporaryFolder()
        let text = folder + "/notes.png"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try ImageIO.readLabelMap(text))
        XCTAssertThrowsError(try ImageIO.readImage(text)) { error in
            XCTAssertEqual(error as? ImageError, .unsupportedFormat(path: text))
        }
        XCTAssertThrowsError(try ImageIO.readImage(folder + "/missing.jpg"))
        let rgb = try PNGCodec.encodeRGB(RGBImage(width: 2, height: 2))
        XCTAssertThrowsError(try PNGCodec.readLabelMap(rgb)) { error in
            guard case .notALabelMap = error as? ImageError else { return XCTFail("\(error)") }
        }
    }

    func testExifOrientationTurnsTheImageUpright() {
        // A 3×2 image with distinct pixels, numbered row-major.
        let image = RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        func reds(_ o: ExifOrientation) -> [UInt8] { stride(from: 0, to: 18, by: 3).map { o.apply(to: image).pixels[$0] } }
        XCTAssertEqual(reds(.up), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(reds(.mirrored), [2, 1, 0, 5, 4, 3])
        XCTAssertEqual(reds(.down), [5, 4, 3, 2, 1, 0])
        // Orientation 6: the stored top row becomes the right column.
        let right = ExifOrientation.right.apply(to: image)
        XCTAssertEqual(right.width, 2)
        XCTAssertEqual(right.height, 3)
        XCTAssertEqual(reds(.right), [3, 0, 4, 1, 5, 2])
        XCTAssertEqual(reds(.left), [2, 5, 1, 4, 0, 3])
        XCTAssertEqual(reds(.leftMirrored), [0, 3, 1, 4, 2, 5])
    }

    func testExifTagIsParsedFromTIFF() {
        // Little-endian TIFF header, one IFD entry: orientation (0x0112), SHORT, 1 value, 6.
        let tiff: [UInt8] = [
            0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00,
            0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ]
        XCTAssertEqual(ExifOrientation(tiff: tiff), .right)
        XCTAssertNil(ExifOrientation(tiff: [1, 2, 3]))
    }
}
