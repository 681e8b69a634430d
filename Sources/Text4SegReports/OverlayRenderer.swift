import Foundation
import Text4SegCore

/// Overlays a person can read on their own: the image tinted with the label colors,
/// each region's boundary drawn (a dark or light line outside, the class color inside),
/// and a legend beside the image listing the classes present with a swatch, the name and
/// the share of the image, largest first. `others` is neither tinted, outlined nor listed,
/// the same in every vocabulary.
///
///     let renderer = OverlayRenderer(vocabulary: voc, font: try Font())
///     let picture = renderer.render(map, on: image)
public struct OverlayRenderer: Sendable {
    public var vocabulary: Vocabulary
    /// `nil`: no legend (no font could be loaded).
    public var font: Font?
    public var style: OverlayStyle
    /// Weight of the label color where regions are tinted.
    public var opacity: Double

    public init(vocabulary: Vocabulary, font: Font?, style: OverlayStyle = .both, opacity: Double = 0.5) {
        self.vocabulary = vocabulary
        self.font = font
        self.style = style
        self.opacity = opacity
    }

    /// The overlay, with the legend panel on its right when there is a font.
    public func render(_ map: LabelMap, on image: RGBImage) -> RGBImage {
        var picture = style == .outline ? image : LabelMapWriter(vocabulary: vocabulary, overlayOpacity: opacity).overlay(map, on: image)
        if style != .fill { outline(map, into: &picture) }
        guard let font else { return picture }
        let shares = ClassShare.shares(of: map, vocabulary: vocabulary).filter {
            $0.id != vocabulary.othersValue && $0.id != vocabulary.ignoreValue
        }
        return withLegend(picture, shares: shares, font: font)
    }

    /// Draws each region's boundary: pixels next to another label become a contrasting line
    /// (black, or white around dark classes), and the pixels just inside take the class color.
    func outline(_ map: LabelMap, into picture: inout RGBImage) {
        let w = map.width, h = map.height
        let others = UInt16(clamping: vocabulary.othersValue), ignore = UInt16(clamping: vocabulary.ignoreValue)
        var colors: [UInt16: RGBColor] = [:]
        for item in vocabulary.classes { colors[UInt16(clamping: item.id)] = vocabulary.displayColor(item) }
        let values = map.values
        var edge = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, v = values[i]
                if v == others || v == ignore { continue }
                edge[i] =
                    (x > 0 && values[i - 1] != v) || (x + 1 < w && values[i + 1] != v) || (y > 0 && values[i - w] != v)
                    || (y + 1 < h && values[i + w] != v)
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, v = values[i]
                guard let color = colors[v], v != others, v != ignore else { continue }
                let paint: RGBColor
                if edge[i] {
                    paint = color.luminance < 80 ? RGBColor(255, 255, 255) : RGBColor(0, 0, 0)
                } else if (x > 0 && edge[i - 1]) || (x + 1 < w && edge[i + 1]) || (y > 0 && edge[i - w]) || (y + 1 < h && edge[i + w]) {
                    paint = color
                } else {
                    continue
                }
                picture.pixels[3 * i] = paint.red
                picture.pixels[3 * i + 1] = paint.green
                picture.pixels[3 * i + 2] = paint.blue
            }
        }
    }

    /// `picture` with a white panel on its right listing `shares`.
    func withLegend(_ picture: RGBImage, shares: [ClassShare], font: Font) -> RGBImage {
        let (ascender, descender) = font.metrics
        let row = ascender + descender + 6, pad = 8, swatch = ascender + descender
        let lines = shares.map { "\($0.name)  \(ShareText.percent($0.share))" }
        let title = shares.isEmpty ? "no classes" : "classes"
        let textWidth = max(font.width(of: title), lines.map(font.width(of:)).max() ?? 0)
        let panelWidth = pad + swatch + 6 + textWidth + pad
        let height = max(picture.height, pad + row * (lines.count + 1) + pad)
        var out = RGBImage(width: picture.width + panelWidth, height: height, fill: RGBColor(255, 255, 255))
        for y in 0..<picture.height {
            let from = 3 * y * picture.width, to = 3 * y * out.width
            out.pixels.replaceSubrange(to..<(to + 3 * picture.width), with: picture.pixels[from..<(from + 3 * picture.width)])
        }
        let x0 = picture.width + pad
        font.draw(title, into: &out, x: x0, baseline: pad + ascender, color: RGBColor(90, 90, 90))
        for (n, share) in shares.enumerated() {
            let top = pad + row * (n + 1)
            let color = vocabulary.class(id: share.id).map(vocabulary.displayColor) ?? RGBColor(0, 0, 0)
            for y in top..<min(out.height, top + swatch) {
                for x in x0..<(x0 + swatch) {
                    let border = y == top || y == top + swatch - 1 || x == x0 || x == x0 + swatch - 1
                    let c = border ? RGBColor(40, 40, 40) : color
                    let i = 3 * (y * out.width + x)
                    out.pixels[i] = c.red
                    out.pixels[i + 1] = c.green
                    out.pixels[i + 2] = c.blue
                }
            }
            font.draw(lines[n], into: &out, x: x0 + swatch + 6, baseline: top + ascender, color: RGBColor(0, 0, 0))
        }
        return out
    }
}

/// Shares as people read them: `41%`, `3.2%`, `<0.1%`.
enum ShareText {
    static func percent(_ share: Double) -> String {
        let p = share * 100
        if p < 0.1 { return "<0.1%" }
        return p >= 10 ? "\(Int(p.rounded()))%" : String(format: "%.1f%%", p)
    }
}

extension RGBColor {
    /// Relative luminance in 0…255 (Rec. 709 weights).
    var luminance: Double { 0.2126 * Double(red) + 0.7152 * Double(green) + 0.0722 * Double(blue) }
}
