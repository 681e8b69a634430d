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

    struct Segmentation: Encodable {
        var size: [Int]
        var counts: String
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

    mutating func add(image: String, width: Int, height: Int, masks: [ClassMask]) {
        let id = images.count + 1
        images.append(Image(id: id, fileName: image, width: width, height: height))
        for mask in masks {
            annotations.append(
                Annotation(
                    id: annotations.count + 1, imageID: id, categoryID: mask.value,
                    segmentation: Segmentation(size: [height, width], counts: COCORLE.string(mask.columnMajorRuns())), area: mask.area,
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
