import Foundation

/// How `label` writes label maps: a palette PNG (the default; 16-bit gray past 255 values) or
/// NumPy's `.npy` (``LabelMapNPY``).
public enum LabelMapFormat: String, Sendable, CaseIterable, Codable {
    case png
    case npy

    /// The file name suffix.
    public var suffix: String { "." + rawValue }

    /// The label map at `path`, read as the suffix says.
    public static func read(_ path: String, maxPixels: Int = Limits.defaultMaxPixels) throws -> LabelMap {
        if path.hasSuffix(LabelMapFormat.npy.suffix) {
            return try LabelMapNPY.decode(try ImageIO.readData(path), path: path, maxPixels: maxPixels)
        }
        return try ImageIO.readLabelMap(path, maxPixels: maxPixels)
    }
}
