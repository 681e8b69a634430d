import Foundation
import Text4SegCore

/// A COCO annotations file (`images`, `categories`, `annotations`) whose segmentations are
/// compressed RLE: what `pycocotools.coco.COCO` loads and `pycocotools.mask.decode` turns back
/// into each class's pixels. Category ids are the vocabulary's label values.
struct COCOExport: Sendable {
    struct Image: Encodable {
        var id: Int
        var fileName: String
        var width: Int
        var height: Int

        enum CodingKeys: String, CodingKey {
            case id, width, height
            case fileName = "file_name"
        }
    }

    struct Category: Encodable {
        var id: Int
        var name: String
        var supercategory: String
    }

    /// Compressed RLE (`{size, counts}`), or polygons (`[[x1, y1, x2, y2, …], …]`).
    enum Segmentation: Encodable {
        case rle(size: [Int], counts: String)
        case polygons([[Double]])

        enum Keys: String, CodingKey { case size, counts }

        func encode(to encoder: Encoder) throws {
            switch self {
            case let .rle(size, counts):
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(size, forKey: .size)
                try container.encode(counts, forKey: .counts)
            case let .polygons(rings):
                var container = encoder.singleValueContainer()
                try container.encode(rings)
            }
        }
    }

    struct Annotation: Encodable {
        var id: Int
        var imageID: Int
        var categoryID: Int
        var segmentation: Segmentation
        var area: Int
        var bbox: [Int]
        var isCrowd: Int

        enum CodingKeys: String, CodingKey {
            case id, segmentation, area, bbox
            case imageID = "image_id"
            case categoryID = "category_id"
            case isCrowd = "iscrowd"
        }
    }

    struct Info: Encodable {
        var description: String
        var version: String
    }

    struct File: Encodable {
        var info: Info
        var images: [Image]
        var categories: [Category]
        var annotations: [Annotation]
    }

    var images: [Image] = []
    var annotations: [Annotation] = []

    mutating func add(image: String, width: Int, height: Int, masks: [ClassMask], polygons: [[[MaskPolygons.Point]]]?) {
        let id = images.count + 1
        images.append(Image(id: id, fileName: image, width: width, height: height))
        for (index, mask) in masks.enumerated() {
            let segmentation =
                polygons.map { .polygons($0[index].map { ring in ring.flatMap { [$0.x, $0.y] } }) }
                ?? Segmentation.rle(size: [height, width], counts: COCORLE.string(mask.columnMajorRuns()))
            annotations.append(
                Annotation(
                    id: annotations.count + 1, imageID: id, categoryID: mask.value,
                    segmentation: segmentation, area: mask.area,
                    bbox: [mask.box.x, mask.box.y, mask.box.width, mask.box.height], isCrowd: 0))
        }
    }

    func json(vocabulary: Vocabulary, skipping: Set<Int>, description: String) throws -> Data {
        let categories = vocabulary.classes.filter { !skipping.contains($0.id) }.map {
            Category(id: $0.id, name: $0.name, supercategory: vocabulary.name)
        }
        let file = File(
            info: Info(description: "text4seg labels: \(description)", version: "1.0"), images: images, categories: categories,
            annotations: annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(file)
    }
}
