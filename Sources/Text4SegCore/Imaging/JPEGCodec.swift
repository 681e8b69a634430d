import CImageCodecs
import Foundation

/// JPEG decoding through libjpeg-turbo, with EXIF orientation applied.
public enum JPEGCodec {
    /// Decodes a JPEG; one whose header declares more than `maxPixels` pixels is refused before decoding.
    public static func decode(
        _ data: Data, path: String = "<memory>", applyOrientation: Bool = true,
        maxPixels: Int = Limits.defaultMaxPixels
    ) throws -> RGBImage {
        var image = t4s_jpeg_image()
        let status = data.withUnsafeBytes { raw -> Int32 in
            t4s_jpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, UInt64(maxPixels.clamped(to: Limits.maxPixels)), &image)
        }
        defer {
            t4s_free(image.pixels)
            t4s_free(image.exif)
        }
        let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if status == T4S_TOO_LARGE {
            throw ImageError.tooLarge(path: path, width: Int(image.width), height: Int(image.height), limit: maxPixels)
        }
        guard status == 0 else { throw ImageError.corrupt(path: path, reason: message) }
        if image.truncated != 0 { throw ImageError.truncated(path: path) }
        let width = Int(image.width), height = Int(image.height)
        let pixels = [UInt8](UnsafeBufferPointer(start: image.pixels, count: width * height * 3))
        var result = RGBImage(width: width, height: height, pixels: pixels)
        if applyOrientation, let exif = image.exif, image.exif_size > 0 {
            let bytes = [UInt8](UnsafeBufferPointer(start: exif, count: image.exif_size))
            if let orientation = ExifOrientation(tiff: bytes), orientation != .up {
                result = orientation.apply(to: result)
            }
        }
        return result
    }
}

extension JPEGCodec {
    /// Encodes an image as a baseline JPEG (quality 1–100).
    public static func encode(_ image: RGBImage, quality: Int = 90) throws -> Data {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(T4S_MESSAGE_SIZE))
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            t4s_jpeg_encode(
                pixels.baseAddress, UInt32(image.width), UInt32(image.height), Int32(max(1, min(100, quality))), &output, &size, &message)
        }
        defer { t4s_free(output) }
        guard status == 0, let output else {
            throw ImageError.encodingFailed(
                path: "<jpeg>", reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Data(bytes: output, count: size)
    }
}
