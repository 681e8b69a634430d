import Foundation

/// Writes label maps as palette PNGs and color overlays.
public struct LabelMapWriter: Sendable {
    public var vocabulary: Vocabulary
    /// Weight of the label color in overlays (0 = image only, 1 = colors only).
    public var overlayOpacity: Double

    public init(vocabulary: Vocabulary, overlayOpacity: Double = 0.5) {
        self.vocabulary = vocabulary
        self.overlayOpacity = overlayOpacity
    }

    /// A palette PNG (color type 3, PLTE from the vocabulary), or 16-bit gray for large vocabularies.
    public func labelPNG(_ map: LabelMap) throws -> Data {
        try PNGCodec.encodeLabelMap(map, palette: vocabulary.palette, forceSixteenBits: vocabulary.needsSixteenBits)
    }

    public func writeLabelMap(_ map: LabelMap, to path: String) throws {
        try AtomicFile.write(try labelPNG(map), to: path)
    }

    /// The image blended with the label colors. `others` and ignore pixels keep the image, the
    /// same in every vocabulary, whether `others` decodes to a class (VOC's background) or to ignore.
    public func overlay(_ map: LabelMap, on image: RGBImage) -> RGBImage {
        precondition(map.width == image.width && map.height == image.height, "overlay needs matching sizes")
        var colors: [UInt16: RGBColor] = [:]
        for item in vocabulary.classes where item.id != vocabulary.othersValue {
            colors[UInt16(clamping: item.id)] = vocabulary.displayColor(item)
        }
        let alpha = max(0, min(1, overlayOpacity))
        var out = image.pixels
        for i in 0..<map.values.count {
            guard let color = colors[map.values[i]] else { continue }
            out[3 * i] = UInt8((1 - alpha) * Double(out[3 * i]) + alpha * Double(color.red) + 0.5)
            out[3 * i + 1] = UInt8((1 - alpha) * Double(out[3 * i + 1]) + alpha * Double(color.green) + 0.5)
            out[3 * i + 2] = UInt8((1 - alpha) * Double(out[3 * i + 2]) + alpha * Double(color.blue) + 0.5)
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    public func writeOverlay(_ map: LabelMap, on image: RGBImage, to path: String) throws {
        try AtomicFile.write(try PNGCodec.encodeRGB(overlay(map, on: image)), to: path)
    }
}
