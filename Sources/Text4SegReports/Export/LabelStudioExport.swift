import Foundation
import Text4SegCore

/// Label Studio tasks whose `predictions` hold one `brushlabels` region per class present, in
/// Label Studio's brush RLE: a file Label Studio imports as-is into a project labeled with
/// ``labelingConfig(vocabulary:skipping:)``, so that annotators start from the drafts.
public enum LabelStudioExport {
    /// The control and object names the regions and the labeling config share.
    public static let fromName = "label"
    public static let toName = "image"

    struct Value: Encodable {
        var format = "rle"
        var rle: [UInt8]
        var brushlabels: [String]
    }

    struct Region: Encodable {
        var id: String
        var type = "brushlabels"
        var fromName = LabelStudioExport.fromName
        var toName = LabelStudioExport.toName
        var originalWidth: Int
        var originalHeight: Int
        var imageRotation = 0
        var value: Value

        enum CodingKeys: String, CodingKey {
            case id, type, value
            case fromName = "from_name"
            case toName = "to_name"
            case originalWidth = "original_width"
            case originalHeight = "original_height"
            case imageRotation = "image_rotation"
        }
    }

    struct Prediction: Encodable {
        var modelVersion: String
        var result: [Region]

        enum CodingKeys: String, CodingKey {
            case result
            case modelVersion = "model_version"
        }
    }

    struct Task: Encodable, Sendable {
        var data: [String: String]
        var predictions: [Prediction]
    }

    static func task(image: String, map: LabelMap, masks: [ClassMask], vocabulary: Vocabulary, modelVersion: String) -> Task {
        let regions = masks.enumerated().map { index, mask in
            Region(
                id: "r\(index + 1)", originalWidth: map.width, originalHeight: map.height,
                value: Value(
                    rle: LabelStudioRLE.encode(rowMajorRuns: mask.rowMajorRuns(), pixels: map.width * map.height),
                    brushlabels: [vocabulary.class(id: mask.value)?.name ?? "\(mask.value)"]))
        }
        return Task(data: [toName: image], predictions: [Prediction(modelVersion: modelVersion, result: regions)])
    }

    static func json(_ tasks: [Task]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(tasks)
    }

    /// The labeling config of a project that imports these tasks: the image and one brush label
    /// per class, in the class's color (the others class and the ignore value left out).
    public static func labelingConfig(vocabulary: Vocabulary) -> String {
        let skipped = Set([vocabulary.ignoreValue] + (vocabulary.othersID.map { [$0] } ?? []))
        var text = "<View>\n  <Image name=\"\(toName)\" value=\"$\(toName)\" zoom=\"true\"/>\n"
        text += "  <BrushLabels name=\"\(fromName)\" toName=\"\(toName)\">\n"
        for item in vocabulary.classes where !skipped.contains(item.id) {
            text += "    <Label value=\"\(XMLText.escaped(item.name))\" background=\"\(vocabulary.displayColor(item))\"/>\n"
        }
        return text + "  </BrushLabels>\n</View>\n"
    }

    /// `path` with each part percent-encoded for a URL query (`/` kept).
    public static func percentEncoded(_ path: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}
