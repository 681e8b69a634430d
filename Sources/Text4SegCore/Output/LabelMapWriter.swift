import Foundation

/// Writes label maps as palette PNGs (overlays are Text4SegReports' `OverlayRenderer`).
public struct LabelMapWriter: Sendable {
    public var vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    /// A palette PNG (color type 3, PLTE from the vocabulary), or 16-bit gray for large vocabularies.
    public func labelPNG(_ map: LabelMap) throws -> Data {
        try PNGCodec.encodeLabelMap(map, palette: vocabulary.palette, forceSixteenBits: vocabulary.needsSixteenBits)
    }

    public func writeLabelMap(_ map: LabelMap, to path: String) throws {
        try AtomicFile.write(try labelPNG(map), to: path)
    }
}
