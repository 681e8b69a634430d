import CImageCodecs
import Foundation

/// The C layer's decoders that give RGB8 straight away (WebP, TIFF), their statuses turned into ``ImageError``s.
enum RGBDecoder {
    typealias Decode = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<t4s_rgb_image>?) -> Int32

    /// Runs `decode` over the bytes; returns the pixels as stored and the orientation tag (1–8) the file declares.
    static func decode(_ data: Data, path: String, maxPixels: Int, with decode: Decode) throws -> (image: RGBImage, orientation: Int) {
        var image = t4s_rgb_image()
        let status = data.withUnsafeBytes { raw -> Int32 in
            decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, UInt64(maxPixels.clamped(to: Limits.maxPixels)), &image)
        }
        defer { t4s_free(image.pixels) }
        let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        switch status {
        case 0: break
        case T4S_TOO_LARGE: throw ImageError.tooLarge(path: path, width: Int(image.width), height: Int(image.height), limit: maxPixels)
        case T4S_UNSUPPORTED: throw ImageError.unsupportedKind(path: path, reason: message)
        case T4S_TRUNCATED: throw ImageError.truncated(path: path)
        default: throw ImageError.corrupt(path: path, reason: message)
        }
        guard let pixels = image.pixels else { throw ImageError.corrupt(path: path, reason: "no pixels decoded") }
        let width = Int(image.width), height = Int(image.height)
        let rgb = RGBImage(width: width, height: height, pixels: [UInt8](UnsafeBufferPointer(start: pixels, count: width * height * 3)))
        return (rgb, Int(image.orientation))
    }
}
