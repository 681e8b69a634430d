import Foundation
import Text4SegCore

/// A "CVAT for images 1.1" annotations XML: the labels in `meta`, and each image with one
/// `<mask>` per class present, its RLE over the class's bounding box (row-major runs starting
/// with background, as CVAT writes them and datumaro's CVAT reader reads them).
enum CVATExport {
    struct Image: Sendable {
        var name: String
        var width: Int
        var height: Int
        var masks: [ClassMask]
        var polygons: [[[MaskPolygons.Point]]]?
    }

    static func xml(_ images: [Image], vocabulary: Vocabulary, skipping: Set<Int>, polygons: Bool) -> Data {
        var text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n"
        text += "      <name>text4seg</name>\n      <size>\(images.count)</size>\n      <mode>annotation</mode>\n      <labels>\n"
        for item in vocabulary.classes where !skipping.contains(item.id) {
            text += "        <label>\n          <name>\(XMLText.escaped(item.name))</name>\n"
            text += "          <color>\(vocabulary.displayColor(item))</color>\n          <type>\(polygons ? "polygon" : "mask")</type>\n"
            text += "          <attributes>\n          </attributes>\n        </label>\n"
        }
        text += "      </labels>\n    </task>\n  </meta>\n"
        for (id, image) in images.enumerated() {
            text += "  <image id=\"\(id)\" name=\"\(XMLText.escaped(image.name))\" width=\"\(image.width)\" height=\"\(image.height)\">\n"
            for (index, mask) in image.masks.enumerated() {
                let name = vocabulary.class(id: mask.value)?.name ?? "\(mask.value)"
                if let rings = image.polygons?[index] {
                    for ring in rings {
                        let points = ring.map { "\(format($0.x)),\(format($0.y))" }.joined(separator: ";")
                        text += "    <polygon label=\"\(XMLText.escaped(name))\" source=\"auto\" occluded=\"0\" points=\"\(points)\" "
                        text += "z_order=\"0\">\n    </polygon>\n"
                    }
                    continue
                }
                let rle = mask.boxRowMajorRuns().map(String.init).joined(separator: ", ")
                text += "    <mask label=\"\(XMLText.escaped(name))\" source=\"auto\" occluded=\"0\" rle=\"\(rle)\" "
                text +=
                    "left=\"\(mask.box.x)\" top=\"\(mask.box.y)\" width=\"\(mask.box.width)\" height=\"\(mask.box.height)\" z_order=\"0\">\n"
                text += "    </mask>\n"
            }
            text += "  </image>\n"
        }
        return Data((text + "</annotations>\n").utf8)
    }

    /// A coordinate as CVAT writes them: two decimals.
    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
