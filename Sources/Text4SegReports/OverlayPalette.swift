import Text4SegCore

/// The colors an overlay paints classes in: the dataset's own (those of the label maps), or
/// colors chosen to stand apart from each other and from a photo's grays and browns, given to
/// the classes of each image largest first. The label maps keep the dataset's palette either way.
public enum OverlayPalette: String, Sendable, CaseIterable, Codable {
    case dataset, contrast

    /// Kenneth Kelly's colors of maximum contrast (1965), without white, black and gray, in his
    /// order: each next one is the most distinct from those before it.
    static let contrasting: [RGBColor] = [
        0xF3C300, 0x875692, 0xF38400, 0xA1CAF1, 0xBE0032, 0xC2B280, 0x008856, 0xE68FAC, 0x0067A5, 0xF99379, 0x604E97, 0xF6A600,
        0xB3446C, 0xDCD300, 0x882D17, 0x8DB600, 0x654522, 0xE25822, 0x2B3D26,
    ].map { RGBColor(UInt8($0 >> 16), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)) }

    /// The color of each class in `present` (ids, largest share first), by id.
    func colors(vocabulary: Vocabulary, present: [Int]) -> [Int: RGBColor] {
        var colors: [Int: RGBColor] = [:]
        switch self {
        case .dataset:
            for item in vocabulary.classes { colors[item.id] = vocabulary.displayColor(item) }
        case .contrast:
            for (n, id) in present.enumerated() {
                colors[id] = n < Self.contrasting.count ? Self.contrasting[n] : RGBColor.visible(for: id)
            }
        }
        return colors
    }
}
