import Foundation

/// Reads images and label maps from files, choosing the codec by content, not by name.
public enum ImageIO {
    /// Reads a JPEG or PNG file as RGB.
    public static func readImage(_ path: String) throws -> RGBImage {
        let data = try readData(path)
        if data.starts(with: [0xFF, 0xD8]) { return try JPEGCodec.decode(data, path: path) }
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGCodec.readRGB(data, path: path) }
        throw ImageError.unsupportedFormat(path: path)
    }

    /// Reads a label map PNG (palette indices or grey values).
    public static func readLabelMap(_ path: String) throws -> LabelMap {
        let data = try readData(path)
        guard data.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw ImageError.notALabelMap(path: path, reason: "not a PNG file")
        }
        return try PNGCodec.readLabelMap(data, path: path)
    }

    static func readData(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImageError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
