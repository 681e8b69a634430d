import Foundation

/// Reads the referring-segmentation layout the papers' code reads (Text4Seg's and LISA's
/// `refer_seg/`): `<dataset>/refs(<by>).p` (a pickle of the refs, read by ``RestrictedPickle``)
/// or gRefCOCO's `grefs(<by>).json`, `<dataset>/instances.json` (COCO annotations, polygons or
/// RLE), and the COCO train2014 images under `images/coco_2014/train2014` (Text4Seg's `refer.py`)
/// or `images/mscoco/images/train2014` (LISA's), unless a folder is given.
///
/// Items are the split's expressions in the order the official loaders enumerate them: images by
/// id, each image's refs in file order, each ref's sentences in order. An item's id is the image's
/// file stem and the expression's number within the image (`COCO_train2014_000000000123_2`), as
/// Text4Seg's `model_refer_seg.py` numbers its outputs.
///
///     let found = try ReferDataset.read(root: "data/refer_seg", split: "refcoco|unc|val")
///     found.items.first?.referring?.expression   // "man in red"
public enum ReferDataset {
    /// A split name: `dataset|splitBy|split`, as the papers write it (`refcoco|unc|val`).
    public struct Split: Sendable, Equatable, CustomStringConvertible {
        public var dataset: String
        public var splitBy: String
        public var split: String

        public init(_ text: String) throws {
            let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 || parts.count == 2, parts.allSatisfy({ !$0.isEmpty && ConfinedPath.problem(with: $0) == nil }) else {
                throw ReferDatasetError.badSplit(text)
            }
            // LISA's ReasonSeg is named by two parts: `ReasonSeg|val`.
            (dataset, splitBy, split) = parts.count == 3 ? (parts[0], parts[1], parts[2]) : (parts[0], "", parts[1])
        }

        public var description: String { splitBy.isEmpty ? "\(dataset)|\(split)" : "\(dataset)|\(splitBy)|\(split)" }

        /// LISA's ReasonSeg: `reason_seg/<dataset>/<split>/*.jpg` with a `.json` of polygons beside each.
        var isReasonSeg: Bool { splitBy.isEmpty }

        /// gRefCOCO ships its refs as JSON with lists of targets.
        var isGeneralized: Bool { dataset == "grefcoco" }

        /// Whether a ref of split `name` belongs to this split (`REFER.getRefIds`: `testA` takes
        /// every split naming A, `test` every test split, others only themselves).
        func contains(_ name: String) -> Bool {
            switch split {
            case "testA", "testB", "testC": return name.hasPrefix("test") && name.contains(split.last!)
            case "test": return name.contains("test")
            default: return name == split
            }
        }
    }

    /// The default split: the first table of every RES paper.
    public static let defaultSplit = "refcoco|unc|val"

    /// The image folders tried, in order, under `refer_seg/`.
    public static let imageFolders = ["images/coco_2014/train2014", "images/mscoco/images/train2014"]

    /// The `refer_seg` folder at `base` (`base` itself or its `refer_seg/` subfolder), or else the
    /// folder holding `reason_seg/` (or `ReasonSeg/`).
    static func root(at base: String) -> String? {
        let refer = [base + "/refer_seg", base].first { folder in
            ["refcoco", "refcoco+", "refcocog", "grefcoco"].contains { PathKind.of(folder + "/" + $0 + "/instances.json") == .file }
        }
        return refer ?? ([base + "/reason_seg", base].contains { PathKind.of($0 + "/ReasonSeg") == .folder } ? base : nil)
    }

    /// LISA's ReasonSeg: each `<split>/<name>.jpg` with its `<name>.json` (`text`, `is_sentence`,
    /// `shapes`); LISA's evaluation asks `text[0]` only, so each image is one item, `<name>_0`.
    /// The split folder is looked for under `reason_seg/<dataset>/`, beside `refer_seg/` too.
    static func readReasonSeg(root: String, split: Split) throws -> (items: [DatasetItem], split: String, notes: [String]) {
        let parent = URL(fileURLWithPath: root).deletingLastPathComponent().path
        let candidates = [root + "/reason_seg/", parent + "/reason_seg/", root + "/"].map { $0 + split.dataset + "/" + split.split }
        guard let folder = candidates.first(where: { PathKind.of($0) == .folder }) else {
            throw DatasetError.missing(path: candidates[0], layout: "ReasonSeg")
        }
        struct Annotation: Decodable {
            struct Shape: Decodable {
                var label: String
                var points: [[Double]]
            }
            var text: [String]
            var shapes: [Shape]
        }
        var items: [DatasetItem] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".jpg") }.sorted()
        for name in names {
            let stem = String(name.dropLast(4))
            let jsonPath = folder + "/" + stem + ".json"
            let annotation: Annotation
            do {
                // TextFile.read bounds the file (64 MiB), and so the shapes and points it can list.
                annotation = try JSONDecoder().decode(Annotation.self, from: Data(try TextFile.read(jsonPath).utf8))
            } catch let error as DecodingError {
                throw ReferDatasetError.badRefs(file: jsonPath, reason: describe(error))
            }
            guard let text = annotation.text.first else { throw ReferDatasetError.badRefs(file: jsonPath, reason: "no text") }
            // The image's size is known once it is read: the item's truth is drawn then (see the runner).
            let target = ReferTarget(
                expression: text.trimmingCharacters(in: .whitespacesAndNewlines), width: 0, height: 0, parts: [],
                shapes: annotation.shapes.map { ReasonShape(label: $0.label, points: $0.points) })
            items.append(DatasetItem(id: stem + "_0", imagePath: folder + "/" + name, labelPath: jsonPath, referring: target))
        }
        return (items, split.description, ["ReasonSeg images and polygons from \(folder)"])
    }

    /// The split's items, the split's name and what was assumed (the image folder).
    public static func read(
        root: String, split text: String, images: String? = nil
    ) throws -> (
        items: [DatasetItem], split: String, notes: [String]
    ) {
        let split = try Split(text)
        if split.isReasonSeg { return try readReasonSeg(root: root, split: split) }
        let folder = root + "/" + split.dataset
        let refsPath = folder + (split.isGeneralized ? "/grefs(\(split.splitBy)).json" : "/refs(\(split.splitBy)).p")
        let instancesPath = folder + "/instances.json"
        for path in [refsPath, instancesPath] where PathKind.of(path) != .file {
            throw DatasetError.missing(path: path, layout: DatasetLayout.refer.title)
        }
        let imageFolder: String
        if let images {
            guard PathKind.of(images) == .folder else { throw DatasetError.missing(path: images, layout: "--images folder") }
            imageFolder = images
        } else if let found = imageFolders.map({ root + "/" + $0 }).first(where: { PathKind.of($0) == .folder }) {
            imageFolder = found
        } else {
            throw DatasetError.missing(path: root + "/" + imageFolders[0], layout: DatasetLayout.refer.title + " (or give --images)")
        }
        let refs = try (split.isGeneralized ? readGRefs(refsPath) : readRefs(refsPath)).filter { split.contains($0.split) }
        let instances = try Instances.read(instancesPath)
        let images = Dictionary(instances.images.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let annotations = Dictionary(instances.annotations.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var byImage: [Int: [Ref]] = [:]
        for ref in refs { byImage[ref.imageID, default: []].append(ref) }
        var items: [DatasetItem] = []
        for imageID in byImage.keys.sorted() {
            guard let image = images[imageID] else {
                throw ReferDatasetError.unknownImage(file: refsPath, ref: byImage[imageID]![0].refID, image: imageID)
            }
            try ConfinedPath.check(image.fileName)
            let stem = (image.fileName as NSString).deletingPathExtension
            var index = 0
            for ref in byImage[imageID]! {
                var parts: [COCOSegmentation] = []
                for annID in ref.annIDs where annID != -1 {
                    guard let annotation = annotations[annID] else {
                        throw ReferDatasetError.unknownAnnotation(file: refsPath, ref: ref.refID, annotation: annID)
                    }
                    // gRefCOCO's loaders (G_REFER.getMaskByRef, ReLA) leave crowd annotations out of a target.
                    if split.isGeneralized && annotation.isCrowd { continue }
                    parts.append(annotation.segmentation)
                }
                for sentence in ref.sentences {
                    let target = ReferTarget(
                        expression: sentence.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), width: image.width,
                        height: image.height, parts: parts)
                    items.append(
                        DatasetItem(
                            id: "\(stem)_\(index)", imagePath: imageFolder + "/" + image.fileName, labelPath: instancesPath,
                            referring: target))
                    index += 1
                }
            }
        }
        return (items, split.description, ["images from \(imageFolder)"])
    }

    /// One ref, whichever file it came from.
    struct Ref {
        var refID: Int
        var imageID: Int
        /// Its targets; `[-1]` or `[]` for none.
        var annIDs: [Int]
        var split: String
        var sentences: [String]
    }

    static func readRefs(_ path: String) throws -> [Ref] {
        let value = try RestrictedPickle.load(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
        guard let list = value.items else { throw ReferDatasetError.badRefs(file: path, reason: "not a list of refs") }
        return try list.enumerated().map { n, ref in
            func field(_ key: String) throws -> RestrictedPickle.Value {
                guard let value = ref[key] else { throw ReferDatasetError.badRefs(file: path, reason: "ref \(n) has no '\(key)'") }
                return value
            }
            func integer(_ key: String) throws -> Int {
                guard let value = try field(key).integer else {
                    throw ReferDatasetError.badRefs(file: path, reason: "ref \(n): '\(key)' is not an integer")
                }
                return value
            }
            guard let split = try field("split").text else {
                throw ReferDatasetError.badRefs(file: path, reason: "ref \(n): 'split' is not text")
            }
            let sentenceList = try field("sentences").items
            guard let sentences = sentenceList?.map({ $0["sent"]?.text }), !sentences.contains(nil) else {
                throw ReferDatasetError.badRefs(file: path, reason: "ref \(n): 'sentences' is not a list of {sent: text}")
            }
            return Ref(
                refID: try integer("ref_id"), imageID: try integer("image_id"), annIDs: [try integer("ann_id")], split: split,
                sentences: sentences.map { $0! })
        }
    }

    static func readGRefs(_ path: String) throws -> [Ref] {
        struct GRef: Decodable {
            struct Sentence: Decodable { var sent: String }
            struct Targets: Decodable {
                var ids: [Int]
                init(from decoder: Decoder) throws {
                    let c = try decoder.singleValueContainer()
                    if let list = try? c.decode([Int].self) { ids = list } else { ids = [try c.decode(Int.self)] }
                }
            }
            var ref_id: Int
            var image_id: Int
            var ann_id: Targets
            var split: String
            var sentences: [Sentence]
        }
        do {
            let refs = try JSONDecoder().decode([GRef].self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
            return refs.map {
                Ref(refID: $0.ref_id, imageID: $0.image_id, annIDs: $0.ann_id.ids, split: $0.split, sentences: $0.sentences.map(\.sent))
            }
        } catch let error as DecodingError {
            throw ReferDatasetError.badRefs(file: path, reason: describe(error))
        }
    }

    /// The parts of a COCO `instances.json` the refer loaders use.
    public struct Instances: Decodable, Sendable {
        public struct Image: Decodable, Sendable {
            public var id: Int
            public var fileName: String
            public var width: Int
            public var height: Int
            enum CodingKeys: String, CodingKey {
                case id, width, height
                case fileName = "file_name"
            }
        }
        public struct Annotation: Decodable, Sendable {
            public var id: Int
            public var segmentation: COCOSegmentation
            public var iscrowd: Int?
            public var isCrowd: Bool { iscrowd == 1 }
        }
        public var images: [Image]
        public var annotations: [Annotation]

        static func read(_ path: String) throws -> Instances {
            try decode(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
        }

        /// Reads an `instances.json`, every image size checked; `file` names it in errors.
        public static func decode(_ data: Data, file path: String) throws -> Instances {
            let instances: Instances
            do {
                instances = try JSONDecoder().decode(Instances.self, from: data)
            } catch let error as DecodingError {
                throw ReferDatasetError.badInstances(file: path, reason: describe(error))
            }
            for image in instances.images where !(Limits.side.contains(image.width) && Limits.side.contains(image.height)) {
                throw ReferDatasetError.badInstances(
                    file: path, reason: "image \(image.id) is \(image.width)×\(image.height); sides must be in \(Limits.side)")
            }
            return instances
        }
    }
}

extension ReferDataset {
    /// A JSON decoding error as a line: where in the file, and what was wrong there.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return "at \(path(context.codingPath)): \(context.debugDescription)"
        case let .keyNotFound(key, context):
            return "at \(path(context.codingPath)): no '\(key.stringValue)'"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Why a referring dataset could not be read.
public enum ReferDatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    case badSplit(String)
    case badRefs(file: String, reason: String)
    case badInstances(file: String, reason: String)
    case unknownImage(file: String, ref: Int, image: Int)
    case unknownAnnotation(file: String, ref: Int, annotation: Int)

    public var description: String {
        switch self {
        case let .badSplit(text):
            return "'\(Excerpt.quote(text))' is not a referring split: give dataset|splitBy|split, e.g. refcoco|unc|val, "
                + "refcoco+|unc|testA, refcocog|umd|val, grefcoco|unc|val"
        case let .badRefs(file, reason): return "\(file): \(reason)"
        case let .badInstances(file, reason): return "\(file): \(reason)"
        case let .unknownImage(file, ref, image): return "\(file): ref \(ref) names image \(image), which instances.json does not have"
        case let .unknownAnnotation(file, ref, annotation):
            return "\(file): ref \(ref) names annotation \(annotation), which instances.json does not have"
        }
    }
}
