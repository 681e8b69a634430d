import Foundation
import Text4SegCore

/// Overlays a person can read on their own: the image tinted with the label colors,
/// each region's boundary drawn (a dark or light line outside, the class color inside),
/// and a legend beside the image listing the classes present with a swatch, the name and
/// the share of the image, largest first. `others` is neither tinted, outlined nor listed,
/// the same in every vocabulary. Lines, swatches and text grow with the image (one step per
/// ``scaleStep`` pixels of its short side), so a 12 MP photo's legend reads like a small one's.
///
///     let renderer = OverlayRenderer(vocabulary: voc, font: try Font(), opacity: 0.4, palette: .contrast)
///     let picture = renderer.render(map, on: image)
public struct OverlayRenderer: Sendable {
    public var vocabulary: Vocabulary
    /// `nil`: no legend (no font could be loaded).
    public var font: Font?
    public var style: OverlayStyle
    /// Weight of the label color where regions are tinted, 0–1.
    public var opacity: Double
    public var palette: OverlayPalette

    /// Short-side pixels per step of line width and text size.
    public static let scaleStep = 600

    public init(vocabulary: Vocabulary, font: Font?, style: OverlayStyle = .both, opacity: Double = 0.5, palette: OverlayPalette = .dataset)
    {
        self.vocabulary = vocabulary
        self.font = font
        self.style = style
        self.opacity = opacity
        self.palette = palette
    }

    /// How many times thicker lines and larger text are for an image of this size: 1 up to 900
    /// pixels on the short side, then one more per ``scaleStep``.
    public static func scale(width: Int, height: Int) -> Int { max(1, Int((Double(min(width, height)) / Double(scaleStep)).rounded())) }

    /// The overlay, with the legend panel on its right when there is a font.
    public func render(_ map: LabelMap, on image: RGBImage) -> RGBImage {
        precondition(map.width == image.width && map.height == image.height, "overlay needs matching sizes")
        let shares = ClassShare.shares(of: map, vocabulary: vocabulary).filter {
            $0.id != vocabulary.othersValue && $0.id != vocabulary.ignoreValue
        }
        let colors = palette.colors(vocabulary: vocabulary, present: shares.map(\.id))
        let scale = Self.scale(width: image.width, height: image.height)
        var picture = style == .outline ? image : tint(map, on: image, colors: colors)
        if style != .fill { outline(map, into: &picture, colors: colors, width: scale) }
        guard let font else { return picture }
        let legendFont = scale == 1 ? font : (try? Font(path: font.path, pixelSize: font.pixelSize * scale)) ?? font
        return withLegend(picture, shares: shares, font: legendFont, colors: colors)
    }

    /// The image blended with the class colors; `others` and ignore pixels keep the image.
    func tint(_ map: LabelMap, on image: RGBImage, colors: [Int: RGBColor]) -> RGBImage {
        let alpha = max(0, min(1, opacity))
        var lookup: [UInt16: RGBColor] = [:]
        for (id, color) in colors where id != vocabulary.othersValue && id != vocabulary.ignoreValue {
            lookup[UInt16(clamping: id)] = color
        }
        var out = image.pixels
        for i in 0..<map.values.count {
            guard let color = lookup[map.values[i]] else { continue }
            out[3 * i] = UInt8((1 - alpha) * Double(out[3 * i]) + alpha * Double(color.red) + 0.5)
            out[3 * i + 1] = UInt8((1 - alpha) * Double(out[3 * i + 1]) + alpha * Double(color.green) + 0.5)
            out[3 * i + 2] = UInt8((1 - alpha) * Double(out[3 * i + 2]) + alpha * Double(color.blue) + 0.5)
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    /// Draws each region's boundary, `width` pixels wide: pixels within `width` of another label
    /// become a contrasting line (black, or white around dark classes), and the next `width`
    /// pixels inside take the class color.
    func outline(_ map: LabelMap, into picture: inout RGBImage, colors: [Int: RGBColor], width: Int) {
        let w = map.width, h = map.height
        let others = UInt16(clamping: vocabulary.othersValue), ignore = UInt16(clamping: vocabulary.ignoreValue)
        var lookup: [UInt16: RGBColor] = [:]
        for (id, color) in colors { lookup[UInt16(clamping: id)] = color }
        let values = map.values
        var boundary = [Bool](repeating: false, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x, v = values[i]
                boundary[i] =
                    (x > 0 && values[i - 1] != v) || (x + 1 < w && values[i + 1] != v) || (y > 0 && values[i - w] != v)
                    || (y + 1 < h && values[i + w] != v)
            }
        }
        let edge = width > 1 ? Self.dilate(boundary, width: w, height: h, radius: width - 1) : boundary
        let band = Self.dilate(edge, width: w, height: h, radius: width)
        for i in 0..<(w * h) where band[i] {
            let v = values[i]
            guard v != others, v != ignore, let color = lookup[v] else { continue }
            let paint = edge[i] ? (color.luminance < 80 ? RGBColor(255, 255, 255) : RGBColor(0, 0, 0)) : color
            picture.pixels[3 * i] = paint.red
            picture.pixels[3 * i + 1] = paint.green
            picture.pixels[3 * i + 2] = paint.blue
        }
    }

    /// `mask` grown by `radius` pixels (a square), in two passes of running counts: linear in
    /// the pixels whatever the radius.
    static func dilate(_ mask: [Bool], width w: Int, height h: Int, radius r: Int) -> [Bool] {
        guard r > 0 else { return mask }
        func pass(_ input: [Bool], count: Int, lines: Int, index: (Int, Int) -> Int) -> [Bool] {
            var out = [Bool](repeating: false, count: input.count)
            for line in 0..<lines {
                var inside = 0
                for k in 0..<min(r, count) where input[index(line, k)] { inside += 1 }
                for k in 0..<count {
                    if k + r < count, input[index(line, k + r)] { inside += 1 }
                    if k - r - 1 >= 0, input[index(line, k - r - 1)] { inside -= 1 }
                    out[index(line, k)] = inside > 0
                }
            }
            return out
        }
        let rows = pass(mask, count: w, lines: h) { y, x in y * w + x }
        return pass(rows, count: h, lines: w) { x, y in y * w + x }
    }

    /// `picture` with a white panel on its right listing `shares`.
    func withLegend(_ picture: RGBImage, shares: [ClassShare], font: Font, colors: [Int: RGBColor]) -> RGBImage {
        let (ascender, descender) = font.metrics
        let unit = max(1, font.pixelSize / 13)
        let row = ascender + descender + 6 * unit, pad = 8 * unit, swatch = ascender + descender
        let lines = shares.map { "\($0.name)  \(ShareText.percent($0.share))" }
        let title = shares.isEmpty ? "no classes" : "classes"
        let textWidth = max(font.width(of: title), lines.map(font.width(of:)).max() ?? 0)
        let panelWidth = pad + swatch + 6 * unit + textWidth + pad
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
            let color = colors[share.id] ?? RGBColor(0, 0, 0)
            for y in top..<min(out.height, top + swatch) {
                for x in x0..<(x0 + swatch) {
                    let border = y < top + unit || y >= top + swatch - unit || x < x0 + unit || x >= x0 + swatch - unit
                    let c = border ? RGBColor(40, 40, 40) : color
                    let i = 3 * (y * out.width + x)
                    out.pixels[i] = c.red
                    out.pixels[i + 1] = c.green
                    out.pixels[i + 2] = c.blue
                }
            }
            font.draw(lines[n], into: &out, x: x0 + swatch + 6 * unit, baseline: top + ascender, color: RGBColor(0, 0, 0))
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
