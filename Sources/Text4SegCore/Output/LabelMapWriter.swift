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

    /// One 8-bit gray PNG per class present (255 on the class, 0 elsewhere), the ignore value
    /// left out, each named by its class: `fileName(for:)` of it.
    public func classMasks(_ map: LabelMap) throws -> [(fileName: String, png: Data)] {
        try map.valueCounts().keys.sorted().filter { $0 != vocabulary.ignoreValue }.map { value in
            let target = UInt16(value)
            let mask = map.values.map { $0 == target ? UInt8(255) : 0 }
            return (maskFileName(for: value), try PNGCodec.encodeGray(mask, width: map.width, height: map.height))
        }
    }

    /// `<id>-<name>.png`, the class name with every character but letters, digits, `.`, `_`
    /// and `-` as `_` (so any name makes one plain file name, and the id keeps two names apart).
    public func maskFileName(for value: Int) -> String {
        let name = vocabulary.class(id: value)?.name ?? "class"
        let safe = String(
            name.unicodeScalars.map { scalar -> Character in
                CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar) ? Character(scalar) : "_"
            })
        return "\(value)-\(safe.hasPrefix(".") ? "_" + safe.dropFirst() : safe).png"
    }
}
