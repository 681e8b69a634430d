import CImageCodecs
import Foundation

/// WebP decoding through libwebp: still images, lossy or lossless. Alpha is dropped (the
/// color samples as stored, not composited on a background); an animated WebP is refused.
/// An EXIF orientation in a WebP is not applied, as browsers do not apply it either.
public enum WebPCodec {
    /// Decodes a WebP; one whose header declares more than `maxPixels` pixels is refused before decoding.
    public static func decode(_ data: Data, path: String = "<memory>", maxPixels: Int = Limits.defaultMaxPixels) throws -> RGBImage {
        try RGBDecoder.decode(data, path: path, maxPixels: maxPixels, with: t4s_webp_decode).image
    }
}
