import Foundation

/// Reads images and label maps from files, choosing the codec by content, not by name.
public enum ImageIO {
    /// File extensions (lower case) taken for images when a folder is listed: JPEG and PNG.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Reads a JPEG or PNG file as RGB. An image over `maxPixels` is refused before it is decoded.
    public static func readImage(_ path: String, maxPixels: Int = Limits.defaultMaxPixels) throws -> RGBImage {
        let data = try readData(path)
        if data.starts(with: [0xFF, 0xD8]) { return try JPEGCodec.decode(data, path: path, maxPixels: maxPixels) }
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGCodec.readRGB(data, path: path, maxPixels: maxPixels) }
        throw ImageError.unsupportedFormat(path: path)
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
