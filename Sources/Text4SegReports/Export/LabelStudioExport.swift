import Foundation
import Text4SegCore

/// Label Studio tasks whose `predictions` hold one `brushlabels` region per class present, in
/// Label Studio's brush RLE: a file Label Studio imports as-is into a project labeled with
/// ``labelingConfig(vocabulary:skipping:)``, so that annotators start from the drafts.
public enum LabelStudioExport {
    /// The control and object names the regions and the labeling config share.
    public static let fromName = "label"
    public static let toName = "image"

    /// A brush region's RLE, or a polygon's points in percent of the image's width and height.
    struct Value: Encodable {
        var format: String?
        var rle: [UInt8]?
        var brushlabels: [String]?
        var points: [[Double]]?
        var closed: Bool?
        var polygonlabels: [String]?
    }

    struct Region: Encodable {
        var id: String
        var type: String
        var fromName = LabelStudioExport.fromName
        var toName = LabelStudioExport.toName
        var originalWidth: Int
        var originalHeight: Int
        var imageRotation = 0
        var value: Value
        /// The engine's score for the class (``ClassShare/score``), where it has scores.
        var score: Double?

        enum CodingKeys: String, CodingKey {
            case id, type, value, score
            case fromName = "from_name"
            case toName = "to_name"
            case originalWidth = "original_width"
            case originalHeight = "original_height"
            case imageRotation = "image_rotation"
        }
    }

    struct Prediction: Encodable {
        var modelVersion: String
        /// The mean of the regions' scores: what Label Studio sorts tasks by.
        var score: Double?
        var result: [Region]

        enum CodingKeys: String, CodingKey {
            case result, score
            case modelVersion = "model_version"
        }
    }

    struct Task: Encodable, Sendable {
        var data: [String: String]
        var predictions: [Prediction]
    }

    static func task(
        image: String, map: LabelMap, masks: [ClassMask], polygons: [[[MaskPolygons.Point]]]?, scores: [Int: Double],
        vocabulary: Vocabulary, modelVersion: String
    ) -> Task {
        var regions: [Region] = []
        for (index, mask) in masks.enumerated() {
            let name = vocabulary.class(id: mask.value)?.name ?? "\(mask.value)"
            func region(_ type: String, _ value: Value) -> Region {
                Region(
                    id: "r\(regions.count + 1)", type: type, originalWidth: map.width, originalHeight: map.height, value: value,
                    score: scores[mask.value])
            }
            guard let rings = polygons?[index] else {
                let rle = LabelStudioRLE.encode(rowMajorRuns: mask.rowMajorRuns(), pixels: map.width * map.height)
                regions.append(region("brushlabels", Value(format: "rle", rle: rle, brushlabels: [name])))
                continue
            }
            for ring in rings {
                let points = ring.map { [$0.x * 100 / Double(map.width), $0.y * 100 / Double(map.height)] }
                regions.append(region("polygonlabels", Value(points: points, closed: true, polygonlabels: [name])))
            }
        }
        let scored = regions.compactMap(\.score)
        let score = scored.isEmpty ? nil : scored.reduce(0, +) / Double(scored.count)
        return Task(data: [toName: image], predictions: [Prediction(modelVersion: modelVersion, score: score, result: regions)])
    }

    static func json(_ tasks: [Task]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(tasks)
    }

    /// The labeling config of a project that imports these tasks: the image and one brush label
    /// (one polygon label with `polygons`) per class, in the class's color (the others class and
    /// the ignore value left out).
    public static func labelingConfig(vocabulary: Vocabulary, polygons: Bool = false) -> String {
        let skipped = Set([vocabulary.ignoreValue] + (vocabulary.othersID.map { [$0] } ?? []))
        let tag = polygons ? "PolygonLabels" : "BrushLabels"
        var text = "<View>\n  <Image name=\"\(toName)\" value=\"$\(toName)\" zoom=\"true\"/>\n"
        text += "  <\(tag) name=\"\(fromName)\" toName=\"\(toName)\">\n"
        for item in vocabulary.classes where !skipped.contains(item.id) {
            text += "    <Label value=\"\(XMLText.escaped(item.name))\" background=\"\(vocabulary.displayColor(item))\"/>\n"
        }
        return text + "  </\(tag)>\n</View>\n"
    }

    /// `path` with each part percent-encoded for a URL query (`/` kept).
    public static func percentEncoded(_ path: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
