/// An 8-bit RGB color, as used in palettes and overlays.
public struct RGBColor: Hashable, Sendable, Codable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// Parses `#rrggbb` (the leading `#` is optional).
    public init?(hex: String) {
        var text = Substring(hex)
        if text.hasPrefix("#") { text = text.dropFirst() }
        guard text.count == 6, let value = UInt32(text, radix: 16) else { return nil }
        self.init(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }

    /// Every channel below 40: reads as black on a screen and against `others`.
    public var isNearBlack: Bool { max(red, green, blue) < 40 }

    /// A bright, saturated color for `id` (hues a golden-ratio step apart, so neighbors differ).
    public static func visible(for id: Int) -> RGBColor {
        let hue = (Double(id) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1) * 6
        let (s, v) = (0.75, 0.95)
        let c = v * s, x = c * (1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1)), m = v - c
        let (r, g, b): (Double, Double, Double) =
            switch Int(hue) {
            case 0: (c, x, 0)
            case 1: (x, c, 0)
            case 2: (0, c, x)
            case 3: (0, x, c)
            case 4: (x, 0, c)
            default: (c, 0, x)
            }
        func byte(_ value: Double) -> UInt8 { UInt8(max(0, min(255, ((value + m) * 255).rounded()))) }
        return RGBColor(byte(r), byte(g), byte(b))
    }

    public var description: String {
        let hex = String((UInt32(red) << 16) | (UInt32(green) << 8) | UInt32(blue), radix: 16)
        return "#" + String(repeating: "0", count: 6 - hex.count) + hex
    }
}

/// The PASCAL VOC color map: the bits of a class id are spread over the
/// high bits of the three channels, three bits per round.
///
///     PascalColorMap.color(for: 15)   // person: (192, 128, 128)
public enum PascalColorMap {
    public static func color(for id: Int) -> RGBColor {
        var r = 0, g = 0, b = 0
        var value = id
        for shift in stride(from: 7, through: 0, by: -1) {
            r |= (value & 1) << shift
            g |= ((value >> 1) & 1) << shift
            b |= ((value >> 2) & 1) << shift
            value >>= 3
        }
        return RGBColor(UInt8(r), UInt8(g), UInt8(b))
    }

    /// The 256-entry palette written into VOC label PNGs.
    public static let palette: [RGBColor] = (0..<256).map(color(for:))
}
