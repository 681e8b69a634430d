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
        var fromName: String
        var toName: String
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

    /// One prediction: its regions and their mean score. Label Studio's ML backend protocol
    /// answers `/predict` with one of these per task.
    public struct Prediction: Encodable, Sendable {
        var modelVersion: String
        /// The mean of the regions' scores: what Label Studio sorts tasks by.
        var score: Double?
        var result: [Region]

        enum CodingKeys: String, CodingKey {
            case result, score
            case modelVersion = "model_version"
        }

        /// How many regions it holds.
        public var regionCount: Int { result.count }
    }

    struct Task: Encodable, Sendable {
        var data: [String: String]
        var predictions: [Prediction]
    }

    static func task(
        image: String, map: LabelMap, masks: [ClassMask], polygons: [[[MaskPolygons.Point]]]?, scores: [Int: Double],
        vocabulary: Vocabulary, modelVersion: String
    ) -> Task {
        let prediction = prediction(
            map: map, masks: masks, polygons: polygons, scores: scores, modelVersion: modelVersion,
            name: { vocabulary.class(id: $0)?.name ?? "\($0)" })
        return Task(data: [toName: image], predictions: [prediction])
    }

    /// The prediction for `map` in a project whose labeling config names its brush (or polygon)
    /// control `fromName` and its image `toName`: one region per value that `labels` names (the
    /// project's label for it), in brush RLE, or as polygons traced with `polygonTolerance`.
    public static func prediction(
        map: LabelMap, labels: [Int: String], fromName: String, toName: String, polygonTolerance: Double?, scores: [Int: Double],
        modelVersion: String
    ) -> Prediction {
        let masks = ClassMask.all(in: map).filter { labels[$0.value] != nil }
        let polygons = polygonTolerance.map { tolerance in masks.map { MaskPolygons.polygons(of: $0, tolerance: tolerance) } }
        return prediction(
            map: map, masks: masks, polygons: polygons, scores: scores, modelVersion: modelVersion, fromName: fromName, toName: toName,
            name: { labels[$0] ?? "\($0)" })
    }

    static func prediction(
        map: LabelMap, masks: [ClassMask], polygons: [[[MaskPolygons.Point]]]?, scores: [Int: Double], modelVersion: String,
        fromName: String = fromName, toName: String = toName, name: (Int) -> String
    ) -> Prediction {
        var regions: [Region] = []
        for (index, mask) in masks.enumerated() {
            let name = name(mask.value)
            func region(_ type: String, _ value: Value) -> Region {
                Region(
                    id: "r\(regions.count + 1)", type: type, fromName: fromName, toName: toName, originalWidth: map.width,
                    originalHeight: map.height, value: value, score: scores[mask.value])
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
        return Prediction(modelVersion: modelVersion, score: score, result: regions)
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
