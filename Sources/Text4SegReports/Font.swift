import CFreeType
import Foundation
import Text4SegCore

/// A TrueType/OpenType font rendered with FreeType, for the text in overlays' legends.
///
///     let font = try Font(path: Font.defaultPath, pixelSize: 13)
///     font.draw("aeroplane 20.5%", into: &image, x: 24, baseline: 18, color: .init(0, 0, 0))
public final class Font: @unchecked Sendable {
    /// DejaVu Sans, from Debian's `fonts-dejavu-core`.
    public static let defaultPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

    public let path: String
    public let pixelSize: Int
    private var library: FT_Library?
    private var face: FT_Face?
    // FreeType faces are not thread-safe; one lock per font.
    private let lock = NSLock()

    public init(path: String = Font.defaultPath, pixelSize: Int = 13) throws {
        self.path = path
        self.pixelSize = pixelSize
        guard FileManager.default.fileExists(atPath: path) else { throw FontError.missing(path) }
        guard FT_Init_FreeType(&library) == 0, let library else { throw FontError.freetype(path, "FT_Init_FreeType failed") }
        guard FT_New_Face(library, path, 0, &face) == 0, let face else {
            FT_Done_FreeType(library)
            throw FontError.freetype(path, "not a font FreeType can read")
        }
        guard FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize)) == 0 else {
            FT_Done_Face(face)
            FT_Done_FreeType(library)
            throw FontError.freetype(path, "cannot be set to \(pixelSize) px")
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// Ascender and descender in pixels (the line's extent above and below the baseline).
    public var metrics: (ascender: Int, descender: Int) {
        lock.withLock {
            guard let size = face?.pointee.size?.pointee.metrics else { return (pixelSize, pixelSize / 4) }
            return (Int(size.ascender) >> 6, -(Int(size.descender) >> 6))
        }
    }

    /// The advance width of `text` in pixels.
    public func width(of text: String) -> Int {
        lock.withLock {
            var x = 0
            for scalar in text.unicodeScalars {
                guard let face, FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_DEFAULT)) == 0 else { continue }
                x += Int(face.pointee.glyph.pointee.advance.x) >> 6
            }
            return x
        }
    }

    /// Draws `text` antialiased into `image`, the baseline at `baseline`, starting at `x`; clipped to the image.
    public func draw(_ text: String, into image: inout RGBImage, x: Int, baseline: Int, color: RGBColor) {
        lock.withLock {
            guard let face else { return }
            var pen = x
            for scalar in text.unicodeScalars {
                guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0 else { continue }
                let glyph = face.pointee.glyph.pointee
                let bitmap = glyph.bitmap
                let left = pen + Int(glyph.bitmap_left), top = baseline - Int(glyph.bitmap_top)
                if let buffer = bitmap.buffer {
                    for row in 0..<Int(bitmap.rows) {
                        let y = top + row
                        guard y >= 0 && y < image.height else { continue }
                        for column in 0..<Int(bitmap.width) {
                            let px = left + column
                            guard px >= 0 && px < image.width else { continue }
                            let coverage = Int(buffer[row * Int(bitmap.pitch) + column])
                            if coverage == 0 { continue }
                            let i = 3 * (y * image.width + px)
                            image.pixels[i] = Font.blend(image.pixels[i], color.red, coverage)
                            image.pixels[i + 1] = Font.blend(image.pixels[i + 1], color.green, coverage)
                            image.pixels[i + 2] = Font.blend(image.pixels[i + 2], color.blue, coverage)
                        }
                    }
                }
                pen += Int(glyph.advance.x) >> 6
            }
        }
    }

    static func blend(_ under: UInt8, _ over: UInt8, _ coverage: Int) -> UInt8 {
        UInt8((Int(under) * (255 - coverage) + Int(over) * coverage + 127) / 255)
    }
}

/// Why a font could not be used.
public enum FontError: Error, CustomStringConvertible, Sendable {
    case missing(String)
    case freetype(String, String)

    public var description: String {
        switch self {
        case let .missing(path):
            return "font \(path) not found (install Debian's fonts-dejavu-core, or pass --font PATH to a TrueType font)"
        case let .freetype(path, reason): return "font \(path): \(reason)"
        }
    }
}
