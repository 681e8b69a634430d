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

    // MARK: WebP and TIFF

    /// A 37×23 image with smooth and busy parts, and the files Pillow writes from it into a temporary folder.
    private func pillowCopies() throws -> (source: RGBImage, folder: String) {
        try Prerequisite.pythonImaging.require()
        let width = 37, height = 23
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8(x * 255 / (width - 1)), UInt8(y * 255 / (height - 1)), UInt8(x * y * 7 % 256)] }
        }
        let source = RGBImage(width: width, height: height, pixels: pixels)
        let folder = try TestPaths.temporaryFolder()
        try PNGCodec.encodeRGB(source).write(to: URL(fileURLWithPath: folder + "/source.png"))
        let script = """
            import sys
            from PIL import Image, ImageOps
            folder = sys.argv[1]
            im = Image.open(folder + "/source.png").convert("RGB")
            im.save(folder + "/lossless.webp", lossless=True)
            im.save(folder + "/lossy.webp", quality=90)
            Image.open(folder + "/lossy.webp").convert("RGB").save(folder + "/lossy-by-pillow.png")
            # Alpha varying across the image, RGB kept under it (exact) so that dropping alpha gives the source.
            rgba = im.copy()
            rgba.putalpha(im.getchannel("G"))
            rgba.save(folder + "/rgba.webp", lossless=True, exact=True)
            im.save(folder + "/webp-bytes.jpg", format="WEBP", lossless=True)
            im.save(folder + "/animated.webp", save_all=True, append_images=[im.rotate(180)], duration=100, loop=0)
            im.save(folder + "/rgb.tif")
            im.save(folder + "/rgb-lzw.tif", compression="tiff_lzw")
            im.save(folder + "/rgb-deflate.tif", compression="tiff_adobe_deflate")
            rgba.save(folder + "/rgba.tif")
            im.convert("L").save(folder + "/gray.tif")
            im.convert("L").save(folder + "/gray.png")
            palette = im.quantize(16)
            palette.save(folder + "/palette.tif")
            palette.convert("RGB").save(folder + "/palette.png")
            im.save(folder + "/two-pages.tif", save_all=True, append_images=[im.rotate(180)])
            im.save(folder + "/orientation-6.tif", tiffinfo={274: 6})
            ImageOps.exif_transpose(Image.open(folder + "/orientation-6.tif")).convert("RGB").save(folder + "/orientation-6.png")
            Image.new("I;16", (5, 4), 300).save(folder + "/sixteen.tif")
            Image.new("CMYK", (5, 4)).save(folder + "/cmyk.tif")
            Image.new("F", (5, 4)).save(folder + "/float.tif")
            """
        let run = try CLI.python(script, [folder])
        XCTAssertEqual(run.status, 0, run.stderr)
        return (source, folder)
    }

    /// The file cut at each length fails with an ``ImageError``: no crash, no other error.
    private func assertEveryCutFails(
        _ data: Data, at cuts: [Int], file: StaticString = #filePath, line: UInt = #line, _ decode: (Data) throws -> RGBImage
    ) {
        for cut in cuts {
            XCTAssertThrowsError(try decode(data.prefix(cut)), "cut at \(cut)", file: file, line: line) { error in
                XCTAssertNotNil(error as? ImageError, "\(error)", file: file, line: line)
            }
        }
    }

    private func png(_ path: String) throws -> RGBImage {
        try PNGCodec.readRGB(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testLosslessWebPDecodesToTheSourcePixels() throws {
        let (source, folder) = try pillowCopies()
        XCTAssertEqual(ImageFormat(sniffing: try Data(contentsOf: URL(fileURLWithPath: folder + "/lossless.webp"))), .webp)
        XCTAssertEqual(try ImageIO.readImage(folder + "/lossless.webp"), source)
        // Alpha is dropped, the color under it kept as stored.
        XCTAssertEqual(try ImageIO.readImage(folder + "/rgba.webp"), source)
        // The bytes choose the codec, not the name.
        XCTAssertEqual(try ImageIO.readImage(folder + "/webp-bytes.jpg"), source)
    }

    func testLossyWebPMatchesPillowsDecoding() throws {
        let (source, folder) = try pillowCopies()
        let ours = try ImageIO.readImage(folder + "/lossy.webp")
        let pillows = try png(folder + "/lossy-by-pillow.png")
        XCTAssertEqual(ours.width, source.width)
        XCTAssertEqual(ours.height, source.height)
        // Two builds of libwebp may round the chroma upsampling differently, by a level or two.
        let largest = zip(ours.pixels, pillows.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(largest, 2)
        XCTAssertNotEqual(ours, source, "lossy really is lossy here, so the comparison above means something")
    }

    func testAnimatedWebPIsRefusedByName() throws {
        let (_, folder) = try pillowCopies()
        let path = folder + "/animated.webp"
        XCTAssertThrowsError(try ImageIO.readImage(path)) { error in
            guard case .unsupportedKind(path, let reason) = error as? ImageError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.hasPrefix("animated WebP"), reason)
        }
    }

    func testCutAndCorruptWebPsAreErrors() throws {
        let (_, folder) = try pillowCopies()
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/lossless.webp"))
        assertEveryCutFails(data, at: [12, 20, 30, data.count / 2, data.count - 1]) { try WebPCodec.decode($0) }
        XCTAssertThrowsError(try WebPCodec.decode(data.prefix(data.count / 2), path: "cut.webp")) { error in
            XCTAssertEqual(error as? ImageError, .truncated(path: "cut.webp"))
        }
        var scrambled = [UInt8](data)
        for i in 30..<scrambled.count { scrambled[i] = UInt8(truncatingIfNeeded: i * 151) }
        XCTAssertThrowsError(try WebPCodec.decode(Data(scrambled), path: "bad.webp")) { error in
            guard case .corrupt = error as? ImageError else { return XCTFail("\(error)") }
        }
    }

    func testWebPOverThePixelLimitIsRefusedFromItsHeader() throws {
        // A lossless (VP8L) header alone declaring 16000×16000: signature 0x2F, then 14 bits of
        // width − 1 and 14 of height − 1, little-endian; no image data follows.
        let size = UInt32(15999) | UInt32(15999) << 14
        let vp8l: [UInt8] = [0x2F] + (0..<4).map { UInt8(size >> (8 * $0) & 0xFF) }
        let chunk = Array("VP8L".utf8) + [UInt8(vp8l.count), 0, 0, 0] + vp8l + [0]
        let riff = Array("RIFF".utf8) + [UInt8(4 + chunk.count), 0, 0, 0] + Array("WEBP".utf8) + chunk
        XCTAssertThrowsError(try WebPCodec.decode(Data(riff), path: "big.webp", maxPixels: 1_000_000)) { error in
            XCTAssertEqual(error as? ImageError, .tooLarge(path: "big.webp", width: 16000, height: 16000, limit: 1_000_000))
        }
    }

    func testEightBitTIFFsDecodeToTheirPNGCopies() throws {
        let (source, folder) = try pillowCopies()
        for name in ["rgb", "rgb-lzw", "rgb-deflate", "rgba", "two-pages"] {
            XCTAssertEqual(try ImageIO.readImage(folder + "/\(name).tif"), source, name)
        }
        XCTAssertEqual(try ImageIO.readImage(folder + "/gray.tif"), try png(folder + "/gray.png"))
        XCTAssertEqual(try ImageIO.readImage(folder + "/palette.tif"), try png(folder + "/palette.png"))
    }

    func testTIFFOrientationIsApplied() throws {
        let (source, folder) = try pillowCopies()
        let upright = try ImageIO.readImage(folder + "/orientation-6.tif")
        XCTAssertEqual(upright.width, source.height)
        XCTAssertEqual(upright.height, source.width)
        // Against Pillow's ImageOps.exif_transpose of the same file.
        XCTAssertEqual(upright, try png(folder + "/orientation-6.png"))
        let stored = try TIFFCodec.decode(Data(contentsOf: URL(fileURLWithPath: folder + "/orientation-6.tif")), applyOrientation: false)
        XCTAssertEqual(stored, source)
    }

    func testTIFFKindsNotReadAreRefusedByName() throws {
        let (_, folder) = try pillowCopies()
        for (name, kind) in [("sixteen", "a 16-bit gray TIFF"), ("cmyk", "a CMYK TIFF"), ("float", "a TIFF of floating-point samples")] {
            let path = folder + "/\(name).tif"
            XCTAssertThrowsError(try ImageIO.readImage(path), name) { error in
                guard case .unsupportedKind(path, let reason) = error as? ImageError else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.hasPrefix(kind + ": text4seg reads 8-bit"), reason)
                XCTAssertTrue("\(error)".hasPrefix(path + ": cannot read " + kind), "\(error)")
            }
        }
    }

    func testCutAndCorruptTIFFsAreErrors() throws {
        let (_, folder) = try pillowCopies()
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/rgb-lzw.tif"))
        assertEveryCutFails(data, at: [4, 8, 16, data.count / 2, data.count - 1]) { try TIFFCodec.decode($0) }
        // A strip that runs past the end of the file.
        let strip = HandMadeTIFF(width: 8, height: 8, samples: 3, pixels: [UInt8](repeating: 9, count: 8 * 8 * 3)).data
        XCTAssertThrowsError(try TIFFCodec.decode(strip.prefix(strip.count - 10), path: "cut.tif")) { error in
            XCTAssertEqual(error as? ImageError, .truncated(path: "cut.tif"))
        }
        XCTAssertThrowsError(try TIFFCodec.decode(Data([0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0]), path: "bad.tif")) { error in
            guard case .corrupt = error as? ImageError else { return XCTFail("\(error)") }
        }
    }

    func testTiledTIFFDecodes() throws {
        var rng = SplitMix64(seed: 20)
        let image = RGBImage(width: 40, height: 21, pixels: (0..<(40 * 21 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let tiled = HandMadeTIFF(width: 40, height: 21, samples: 3, pixels: image.pixels, tile: (16, 16)).data
        XCTAssertEqual(try TIFFCodec.decode(tiled), image)
        let gray = (0..<(19 * 5)).map { UInt8($0) }
        let grayTIFF = HandMadeTIFF(width: 19, height: 5, samples: 1, pixels: gray, tile: (16, 16)).data
        XCTAssertEqual(try TIFFCodec.decode(grayTIFF).pixels, gray.flatMap { [$0, $0, $0] })
    }

    func testTIFFOverThePixelLimitIsRefusedBeforeDecoding() throws {
        // Tags declaring 100000×100000 RGB and no pixel data at all: only the header is read.
        let big = HandMadeTIFF(width: 100_000, height: 100_000, samples: 3, pixels: nil).data
        XCTAssertThrowsError(try TIFFCodec.decode(big, path: "big.tif", maxPixels: 50_000_000)) { error in
            XCTAssertEqual(error as? ImageError, .tooLarge(path: "big.tif", width: 100_000, height: 100_000, limit: 50_000_000))
        }
        let tiledBig = HandMadeTIFF(width: 100_000, height: 100_000, samples: 1, pixels: nil, tile: (256, 256)).data
        XCTAssertThrowsError(try TIFFCodec.decode(tiledBig, path: "big.tif", maxPixels: 50_000_000)) { error in
            XCTAssertEqual(error as? ImageError, .tooLarge(path: "big.tif", width: 100_000, height: 100_000, limit: 50_000_000))
        }
    }

    func testFormatsAreToldByTheirFirstBytes() {
        func format(_ bytes: [UInt8]) -> ImageFormat { ImageFormat(sniffing: Data(bytes + [UInt8](repeating: 0, count: 30))) }
        XCTAssertEqual(format([0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(format([0x89, 0x50, 0x4E, 0x47]), .png)
        XCTAssertEqual(format(Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WEBP".utf8)), .webp)
        XCTAssertEqual(format(Array("RIFF".utf8) + [1, 2, 3, 4] + Array("WAVE".utf8)), .other(looksLike: nil))
        XCTAssertEqual(format([0x49, 0x49, 0x2A, 0x00]), .tiff)
        XCTAssertEqual(format([0x4D, 0x4D, 0x00, 0x2A]), .tiff)
        XCTAssertEqual(format(Array("GIF89a".utf8)), .other(looksLike: "GIF"))
        XCTAssertEqual(format(Array("BM".utf8)), .other(looksLike: "BMP"))
        XCTAssertEqual(format([0, 0, 0, 0x18] + Array("ftypheic".utf8)), .other(looksLike: "HEIC/HEIF"))
        XCTAssertEqual(format([0, 0, 0, 0x1C] + Array("ftypavif".utf8)), .other(looksLike: "AVIF"))
        XCTAssertEqual(ImageFormat(sniffing: Data([0xFF, 0xD8])), .other(looksLike: nil))
        XCTAssertEqual(ImageFormat(sniffing: Data()), .other(looksLike: nil))
        XCTAssertEqual(
            "\(ImageError.unsupportedFormat(path: "a.heic", looksLike: "HEIC/HEIF"))",
            "a.heic: not a JPEG, PNG, WebP or TIFF file (it looks like HEIC/HEIF)")
    }
}
