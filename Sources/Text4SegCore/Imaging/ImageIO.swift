import Foundation

/// Reads images and label maps from files, choosing the codec by content, not by name.
public enum ImageIO {
    /// File extensions (lower case) taken for images when a folder is listed: JPEG, PNG, WebP and TIFF.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "tif", "tiff"]

    /// Reads a JPEG, PNG, WebP or TIFF file as RGB, the format told by its first bytes (see
    /// ``ImageFormat``). An image over `maxPixels` is refused before it is decoded.
    public static func readImage(_ path: String, maxPixels: Int = Limits.defaultMaxPixels) throws -> RGBImage {
        try decodeImage(try readData(path), path: path, maxPixels: maxPixels)
    }

    /// Decodes the bytes of a JPEG, PNG, WebP or TIFF file (an upload, say) as ``readImage(_:maxPixels:)``
    /// does a file's; `path` names them in errors.
    public static func decodeImage(_ data: Data, path: String, maxPixels: Int = Limits.defaultMaxPixels) throws -> RGBImage {
        switch ImageFormat(sniffing: data) {
        case .jpeg: return try JPEGCodec.decode(data, path: path, maxPixels: maxPixels)
        case .png: return try PNGCodec.readRGB(data, path: path, maxPixels: maxPixels)
        case .webp: return try WebPCodec.decode(data, path: path, maxPixels: maxPixels)
        case .tiff: return try TIFFCodec.decode(data, path: path, maxPixels: maxPixels)
        case let .other(looksLike): throw ImageError.unsupportedFormat(path: path, looksLike: looksLike)
        }
    }

    /// Reads a label map PNG (palette indices or gray values).
    public static func readLabelMap(_ path: String, maxPixels: Int = Limits.defaultMaxPixels) throws -> LabelMap {
        let data = try readData(path)
        guard data.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw ImageError.notALabelMap(path: path, reason: "not a PNG file")
        }
        return try PNGCodec.readLabelMap(data, path: path, maxPixels: maxPixels)
    }

    static func readData(_ path: String) throws -> Data {
        switch PathKind.of(path) {
        case .missing: throw ImageError.unreadable(path: path, reason: "no such file")
        case .folder: throw ImageError.unreadable(path: path, reason: "it is a folder")
        case .file: break
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImageError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
