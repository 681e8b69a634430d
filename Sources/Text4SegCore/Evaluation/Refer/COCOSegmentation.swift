import Foundation

/// One COCO annotation's `segmentation`, in each of the forms `instances.json` files hold:
/// polygons (`[[x0, y0, x1, y1, …], …]`), one RLE (`{"size": [h, w], "counts": …}`, counts a
/// list for crowds or a compressed string) or a list of RLEs (the form the refer loaders also
/// accept). Decoding follows the referring loaders: every part is decoded with pycocotools'
/// rules and the parts are summed, so a pixel in any part is foreground.
///
///     let mask = try segmentation.mask(height: 480, width: 640)
public enum COCOSegmentation: Sendable, Hashable, Decodable {
    case polygons([[Double]])
    case rle([COCOSegmentation.RLE])

    /// One run-length encoded mask: `counts` is either the runs or the compressed string.
    public struct RLE: Sendable, Hashable, Decodable {
        public var height: Int
        public var width: Int
        public var runs: [Int]?
        public var compressed: String?

        enum CodingKeys: String, CodingKey { case size, counts }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let size = try c.decode([Int].self, forKey: .size)
            guard size.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: .size, in: c, debugDescription: "size must be [height, width]")
            }
            (height, width) = (size[0], size[1])
            if let text = try? c.decode(String.self, forKey: .counts) {
                compressed = text
            } else {
                runs = try c.decode([Int].self, forKey: .counts)
            }
        }

        func mask(height expectedHeight: Int, width expectedWidth: Int) throws -> LabelMap {
            guard height == expectedHeight, width == expectedWidth else {
                throw COCOMask.DecodeError(reason: "an RLE of \(width)×\(height) on an image of \(expectedWidth)×\(expectedHeight)")
            }
            if let compressed { return try COCOMask.compressed(compressed, height: height, width: width) }
            return try COCOMask.runs(runs ?? [], height: height, width: width)
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let polygons = try? container.decode([[Double]].self) {
            self = .polygons(polygons)
        } else if let list = try? container.decode([RLE].self) {
            self = .rle(list)
        } else {
            self = .rle([try container.decode(RLE.self)])
        }
    }

    /// Whether it holds no part at all (`[]`): the refer loaders treat that as an empty mask.
    public var isEmpty: Bool {
        switch self {
        case let .polygons(parts): parts.isEmpty
        case let .rle(parts): parts.isEmpty
        }
    }

    /// The union of its parts as a `height × width` 0/1 map.
    public func mask(height: Int, width: Int) throws -> LabelMap {
        switch self {
        case let .polygons(parts):
            return try COCOMask.polygons(parts, height: height, width: width)
        case let .rle(parts):
            try COCOMask.checkSize(height: height, width: width)
            return try LabelMap.union(parts, width: width, height: height) { try $0.mask(height: height, width: width) }
        }
    }
}

extension LabelMap {
    /// 1 wherever the mask of any of `items` is non-zero, 0 elsewhere; each mask is made and
    /// released in turn, so only two maps are held at once.
    static func union<Item>(_ items: [Item], width: Int, height: Int, _ mask: (Item) throws -> LabelMap) rethrows -> LabelMap {
        var union = LabelMap(width: width, height: height, fill: 0)
        for item in items {
            let next = try mask(item)
            for i in union.values.indices where next.values[i] != 0 { union.values[i] = 1 }
        }
        return union
    }
}
