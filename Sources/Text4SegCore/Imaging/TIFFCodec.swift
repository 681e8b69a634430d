import CImageCodecs
import Foundation

/// TIFF decoding through libtiff: the first page of an 8-bit gray, RGB or palette TIFF, with
/// or without alpha (dropped, gray replicated), its orientation tag applied as a JPEG's EXIF
/// one is. Other kinds (16-bit, floating-point, CMYK, YCbCr, separate planes) are refused
/// with ``ImageError/unsupportedKind(path:reason:)`` naming what the file is.
public enum TIFFCodec {
    /// Decodes a TIFF; one whose first page declares more than `maxPixels` pixels is refused before decoding.
    public static func decode(
        _ data: Data, path: String = "<memory>", applyOrientation: Bool = true, maxPixels: Int = Limits.defaultMaxPixels
    ) throws -> RGBImage {
        let (image, tag) = try RGBDecoder.decode(data, path: path, maxPixels: maxPixels, with: t4s_tiff_decode)
        guard applyOrientation, let orientation = ExifOrientation(rawValue: tag), orientation != .up else { return image }
        return orientation.apply(to: image)
    }
}
