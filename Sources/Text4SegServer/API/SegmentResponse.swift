import Foundation
import Text4SegCore
import Text4SegReports

/// The JSON answer of `POST /v1/segment`: the classes found, each with its share of the image,
/// its mean score where the engine has scores, its box and its mask as COCO RLE (column-major,
/// as pycocotools reads it); the label map and overlay as base64 PNGs when asked for.
struct SegmentResponse: Encodable {
    struct RLE: Encodable {
        /// [height, width], as COCO writes it.
        var size: [Int]
        var counts: String
    }

    struct Found: Encodable {
        var id: Int
        var name: String
        /// The class's color in label maps and overlays, as `#rrggbb`.
        var color: String
        var share: Double
        var score: Double?
        var pixels: Int
        /// [x, y, width, height] in pixels.
        var box: [Int]
        var rle: RLE
    }

    var width: Int
    var height: Int
    /// The id of the vocabulary's others class (background), or `nil` when others is the ignore value.
    var othersID: Int?
    /// The label map's value for pixels of no class (left out of `classes`).
    var ignoreValue: Int
    var vocabulary: String
    var vocabularyHash: String
    var engine: String
    var refine: String
    var seconds: Double
    var classes: [Found]
    var labelMapPNG: String?
    var overlayPNG: String?

    enum CodingKeys: String, CodingKey {
        case width, height, vocabulary, engine, refine, seconds, classes
        case vocabularyHash = "vocabulary_hash"
        case othersID = "others_id"
        case ignoreValue = "ignore_value"
        case labelMapPNG = "label_map_png"
        case overlayPNG = "overlay_png"
    }

    init(_ outcome: SegmentOutcome, engine: String, labelMap: Data?, overlay: Data?) {
        let map = outcome.labelMap
        width = map.width
        height = map.height
        vocabulary = outcome.vocabulary.name
        othersID = outcome.vocabulary.othersID
        ignoreValue = outcome.vocabulary.ignoreValue
        vocabularyHash = outcome.vocabulary.contentHash
        self.engine = engine
        refine = outcome.refiner
        seconds = outcome.seconds
        let byID = Dictionary(outcome.shares.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        classes = ClassMask.all(in: map, skipping: [outcome.vocabulary.ignoreValue]).compactMap { mask in
            guard let share = byID[mask.value] else { return nil }
            return Found(
                id: mask.value, name: share.name, color: Self.hex(outcome.vocabulary, mask.value), share: share.share, score: share.score,
                pixels: mask.area,
                box: [mask.box.x, mask.box.y, mask.box.width, mask.box.height],
                rle: RLE(size: [map.height, map.width], counts: COCORLE.string(mask.columnMajorRuns())))
        }
        labelMapPNG = labelMap?.base64EncodedString()
        overlayPNG = overlay?.base64EncodedString()
    }

    /// As synthesized, but `others_id` is always present (null when others is the ignore value).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(othersID, forKey: .othersID)
        try container.encode(ignoreValue, forKey: .ignoreValue)
        try container.encode(vocabulary, forKey: .vocabulary)
        try container.encode(vocabularyHash, forKey: .vocabularyHash)
        try container.encode(engine, forKey: .engine)
        try container.encode(refine, forKey: .refine)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(classes, forKey: .classes)
        try container.encodeIfPresent(labelMapPNG, forKey: .labelMapPNG)
        try container.encodeIfPresent(overlayPNG, forKey: .overlayPNG)
    }

    static func hex(_ vocabulary: Vocabulary, _ value: Int) -> String {
        let color = vocabulary.class(id: value).map(vocabulary.displayColor) ?? vocabulary.palette[value & 255]
        return String(format: "#%02x%02x%02x", color.red, color.green, color.blue)
    }
}

/// One entry of `GET /v1/vocabularies`.
struct VocabularyEntry: Encodable {
    var name: String
    var description: String
    var hash: String
    var classes: [String]
}

/// The JSON body of every error answer.
struct ErrorBody: Encodable {
    var error: String
    var kind: String
}
