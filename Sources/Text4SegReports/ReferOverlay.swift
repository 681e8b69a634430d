import Foundation
import Text4SegCore

/// The picture `text4seg refer --overlay` writes: the image tinted where the expression was
/// found, outlined, with the expression in the legend and the mask's box drawn on top.
///
///     let picture = ReferOverlay(font: font).render(mask, on: image, expression: "the man in red")
public struct ReferOverlay: Sendable {
    public var font: Font?
    public var opacity: Double
    /// The box's color: yellow, which stays visible on the red tint and on most photos.
    public var boxColor = RGBColor(255, 221, 0)

    public init(font: Font?, opacity: Double = 0.5) {
        self.font = font
        self.opacity = opacity
    }

    public func render(_ mask: LabelMap, on image: RGBImage, expression: String) -> RGBImage {
        let renderer = OverlayRenderer(vocabulary: .referring(expression), font: font, style: .both, opacity: opacity)
        var picture = renderer.render(mask, on: image)
        let box = ReferBox(mask)
        guard box.x2 >= box.x1, box.y2 >= box.y1 else { return picture }
        // The legend sits to the right of the image, so image coordinates hold in the picture.
        let line = OverlayRenderer.scale(width: image.width, height: image.height) * 2
        let (x1, y1, x2, y2) = (Int(box.x1), Int(box.y1), Int(box.x2), Int(box.y2))
        func paint(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
            let i = (y * picture.width + x) * 3
            (picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2]) = (boxColor.red, boxColor.green, boxColor.blue)
        }
        for t in 0..<line {
            for x in x1...x2 {
                paint(x, y1 + t)
                paint(x, y2 - t)
            }
            for y in y1...y2 {
                paint(x1 + t, y)
                paint(x2 - t, y)
            }
        }
        return picture
    }
}
