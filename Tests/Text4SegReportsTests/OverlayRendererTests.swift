import Text4SegCore
import Text4SegReports
import Text4SegTestSupport
import XCTest

final class OverlayRendererTests: XCTestCase {
    /// A 40×20 gray image: left half others (VOC background), right half car, whose color is gray too.
    func grayCar() throws -> (LabelMap, RGBImage, Vocabulary) {
        let voc = try Vocabulary.load("pascal-voc")
        var map = LabelMap(width: 40, height: 20, fill: 0)
        for y in 0..<20 { for x in 20..<40 { map[x, y] = 7 } }
        return (map, RGBImage(width: 40, height: 20, fill: RGBColor(128, 128, 128)), voc)
    }

    func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> RGBColor {
        let i = 3 * (y * image.width + x)
        return RGBColor(image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
    }

    func testOutlinesShowARegionWhoseColorMatchesTheImage() throws {
        let (map, image, voc) = try grayCar()
        XCTAssertEqual(voc.class(id: 7)?.color, RGBColor(128, 128, 128), "VOC's car is the image's gray")
        let out = OverlayRenderer(vocabulary: voc, font: nil, style: .outline).render(map, on: image)
        XCTAssertEqual(out.width, 40, "no font: no legend panel")
        // The boundary column of the car is a dark line, the next one the class color, the rest the image.
        XCTAssertEqual(pixel(out, 20, 10), RGBColor(0, 0, 0))
        XCTAssertEqual(pixel(out, 21, 10), RGBColor(128, 128, 128))
        XCTAssertEqual(pixel(out, 30, 10), RGBColor(128, 128, 128))
        // Others is neither tinted nor outlined.
        XCTAssertEqual(pixel(out, 19, 10), RGBColor(128, 128, 128))
        XCTAssertEqual(pixel(out, 5, 5), RGBColor(128, 128, 128))
        let filled = OverlayRenderer(vocabulary: voc, font: nil, style: .fill).render(map, on: image)
        XCTAssertEqual(pixel(filled, 20, 10), RGBColor(128, 128, 128), "fill only: no line")
        XCTAssertEqual(pixel(filled, 5, 5), RGBColor(128, 128, 128), "others keeps the image in every style")
    }

    func testTheLegendListsThePresentClassesWithSwatchAndText() throws {
        try Prerequisite.legendFont.require()
        let font = try Font()
        let (map, image, voc) = try grayCar()
        let out = OverlayRenderer(vocabulary: voc, font: font).render(map, on: image)
        XCTAssertGreaterThan(out.width, 40 + font.width(of: "car  50%"))
        XCTAssertGreaterThanOrEqual(out.height, 20)
        // The panel holds dark text pixels and the car's swatch color, and is white elsewhere.
        var dark = 0, swatch = 0
        for y in 0..<out.height {
            for x in 40..<out.width {
                let p = pixel(out, x, y)
                if p == RGBColor(128, 128, 128) { swatch += 1 }
                if max(p.red, p.green, p.blue) < 60 { dark += 1 }
            }
        }
        XCTAssertGreaterThan(swatch, 20, "a swatch in the car's color")
        XCTAssertGreaterThan(dark, 30, "text drawn by FreeType")
        XCTAssertEqual(font.width(of: "car"), font.width(of: "c") + font.width(of: "a") + font.width(of: "r"))
    }

    func testNearBlackClassesAreDrawnVisibleAndOthersStaysBlack() throws {
        let coco = try Vocabulary.load("coco-stuff-171")
        let handbag = try XCTUnwrap(coco.class(id: 26))
        XCTAssertTrue(handbag.color.isNearBlack, "mmsegmentation's handbag is black")
        XCTAssertFalse(coco.displayColor(handbag).isNearBlack)
        XCTAssertEqual(coco.class(id: 0)?.color, RGBColor(0, 192, 64), "person: mmsegmentation's palette, not black")
        for name in BuiltinVocabularies.names {
            let vocabulary = try Vocabulary.load(name)
            for item in vocabulary.classes where item.id != vocabulary.othersValue {
                XCTAssertFalse(vocabulary.displayColor(item).isNearBlack, "\(name): \(item.name)")
            }
        }
        let voc = try Vocabulary.load("pascal-voc")
        XCTAssertEqual(voc.palette, PascalColorMap.palette, "VOC keeps the PASCAL color map exactly")
    }

    func testLinesAndLegendGrowWithTheImage() throws {
        try Prerequisite.legendFont.require()
        let voc = try Vocabulary.load("pascal-voc")
        // A 2400×1800 photo (short side 1800: three steps): the line is three pixels, the inner band three more.
        var map = LabelMap(width: 2400, height: 1800, fill: 0)
        for y in 0..<1800 { for x in 1200..<2400 { map[x, y] = 7 } }
        let image = RGBImage(width: 2400, height: 1800, fill: RGBColor(128, 128, 128))
        XCTAssertEqual(OverlayRenderer.scale(width: 2400, height: 1800), 3)
        XCTAssertEqual(OverlayRenderer.scale(width: 500, height: 375), 1)
        let out = OverlayRenderer(vocabulary: voc, font: nil, style: .outline).render(map, on: image)
        for x in 1200..<1203 { XCTAssertEqual(pixel(out, x, 900), RGBColor(0, 0, 0), "line at \(x)") }
        for x in 1203..<1206 { XCTAssertEqual(pixel(out, x, 900), RGBColor(128, 128, 128), "band at \(x)") }
        XCTAssertEqual(pixel(out, 1199, 900), RGBColor(128, 128, 128), "others is not outlined")
        // The legend's text is three times the small image's.
        let font = try Font()
        let small = OverlayRenderer(vocabulary: voc, font: font).render(
            LabelMap(width: 40, height: 20, fill: 7), on: RGBImage(width: 40, height: 20, fill: RGBColor(9, 9, 9)))
        let large = OverlayRenderer(vocabulary: voc, font: font).render(map, on: image)
        let smallPanel = small.width - 40, largePanel = large.width - 2400
        XCTAssertGreaterThan(Double(largePanel), 2.5 * Double(smallPanel), "\(smallPanel) → \(largePanel)")
    }

    func testOpacityAndTheContrastPalette() throws {
        let (map, image, voc) = try grayCar()
        let light = OverlayRenderer(vocabulary: voc, font: nil, style: .fill, opacity: 0.25, palette: .contrast).render(map, on: image)
        // The car, the only class present, takes Kelly's first color (vivid yellow F3C300), blended at 25%.
        let expected = RGBColor(
            UInt8(0.75 * 128 + 0.25 * 0xF3 + 0.5), UInt8(0.75 * 128 + 0.25 * 0xC3 + 0.5), UInt8(0.75 * 128 + 0.25 * 0x00 + 0.5))
        XCTAssertEqual(pixel(light, 30, 10), expected)
        XCTAssertEqual(pixel(light, 5, 5), RGBColor(128, 128, 128))
        let none = OverlayRenderer(vocabulary: voc, font: nil, style: .fill, opacity: 0).render(map, on: image)
        XCTAssertEqual(none.pixels, image.pixels)
    }
}

final class ScoreMapsTests: XCTestCase {
    func testTheNPYHeaderIsNumPysFormatByHand() throws {
        let voc = try Vocabulary.load("pascal-voc")
        let grid = DescriptorGrid(rows: 2, cols: 3, fill: 0)
        let (npy, sidecar) = try ScoreMaps.encode([15: [1, 2, 3, 4, 5, 6], 0: [0, 0, 0, 0, 0, 0.5]], grid: grid, vocabulary: voc)
        XCTAssertEqual(Array(npy.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data starts 64-byte aligned")
        let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(npy.count, 10 + headerLength + 2 * 6 * 4)
        // Classes in id order: background's plane first, its last value 0.5 = 0x3F000000 little-endian.
        let data = Array(npy[(10 + headerLength)...])
        XCTAssertEqual(Array(data[20..<24]), [0, 0, 0, 0x3F])
        XCTAssertEqual(Array(data[24..<28]), [0, 0, 0x80, 0x3F], "person's first value is 1.0")
        let meta = try JSONDecoder().decode(ScoreMaps.Sidecar.self, from: sidecar)
        XCTAssertEqual(meta.classes.map(\.name), ["background", "person"])
        XCTAssertEqual(meta.shape, [2, 2, 3])
    }
}
