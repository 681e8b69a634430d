import Foundation

/// One image of an evaluation set and its ground truth.
public struct DatasetItem: Sendable, Hashable {
    public var id: String
    public var imagePath: String
    /// The label map, or for a referring item the annotation file its truth comes from.
    public var labelPath: String
    /// The expression and its target, for a referring item; `nil` for a whole scene.
    public var referring: ReferTarget?

    public init(id: String, imagePath: String, labelPath: String, referring: ReferTarget? = nil) {
        self.id = id
        self.imagePath = imagePath
        self.labelPath = labelPath
        self.referring = referring
    }
}

/// Finds the items of an evaluation set on disk, in one of the released layouts
/// (``DatasetLayout``), detected from the folder given (the dataset's root, a folder
/// above it, or one below it down to the split's own folder) or forced.
///
///     let listing = try Dataset.list(at: "data/VOCdevkit")
///     listing.layout          // .voc
///     listing.items.count     // 1449
public enum Dataset {
    /// What to read: a forced layout, a split, a label-file suffix.
    public struct Options: Sendable {
        /// `nil`: detect the layout.
        public var format: DatasetLayout?
        /// A split name (`val`, `validation`, `val2017`), or for `folders` an id-list file; `nil`: the layout's default.
        public var split: String?
        /// What follows a label file's stem (`_labelTrainIds`); `nil`: the layout's own.
        public var labelsSuffix: String?
        /// The images of a referring layout, when not in one of its customary folders.
        public var images: String?

        public init(format: DatasetLayout? = nil, split: String? = nil, labelsSuffix: String? = nil, images: String? = nil) {
            self.format = format
            self.split = split
            self.labelsSuffix = labelsSuffix
            self.images = images
        }
    }

    /// The items of a dataset, where and how they were found, and the problems of its id list that did not stop it.
    public struct Listing: Sendable {
        public var layout: DatasetLayout
        /// The dataset's own folder (`…/VOC2012`, `…/ADEChallengeData2016`).
        public var root: String
        /// The split read: a name, or the id list's path.
        public var split: String
        public var items: [DatasetItem]
        /// Ids listed more than once (each is evaluated once), with how often they appeared.
        public var duplicates: [(id: String, count: Int)]
        /// What the listing assumed beyond the layout and split (a referring layout's image folder).
        public var notes: [String] = []
    }

    /// Lists a dataset and drops repeated ids, reporting them in ``Listing/duplicates``.
    /// An id that is not a plain file name (`../x`, `a/b`) stops the listing with an error naming its line.
    public static func list(at path: String, options: Options = Options()) throws -> Listing {
        let (layout, root, splitFromPath) = try locate(path, format: options.format)
        let split = options.split ?? splitFromPath ?? layout.defaultSplit
        var seen: [String: Int] = [:]
        var order: [String] = []
        var unique: [DatasetItem] = []
        let (items, splitName, notes) = try read(layout, root: root, split: split, explicitSplit: options.split != nil, options: options)
        for item in items {
            if let n = seen[item.id] {
                seen[item.id] = n + 1
                if n == 1 { order.append(item.id) }
            } else {
                seen[item.id] = 1
                unique.append(item)
            }
        }
        return Listing(
            layout: layout, root: root, split: splitName, items: unique, duplicates: order.map { ($0, seen[$0]!) }, notes: notes)
    }

    /// Every listed item, in list order, repeats included.
    public static func items(at path: String, split: String? = nil) throws -> [DatasetItem] {
        let (layout, root, splitFromPath) = try locate(path, format: nil)
        let chosen = split ?? splitFromPath ?? layout.defaultSplit
        return try read(layout, root: root, split: chosen, explicitSplit: split != nil, options: Options()).items
    }

    /// The items with these ids, found by the layout's file naming alone: no id list is read, so a
    /// report's items are found again however its run chose them (`images/ + labels/` with or
    /// without `ids.txt`, an id-list file given from another folder). `split` names the folder of
    /// COCO-Stuff and ADE20K (`val2017`, `validation`); the other layouts ignore it. Items whose
    /// files are missing are returned all the same: reading them says what is missing.
    ///
    ///     let items = try Dataset.items(ids: report.items.map(\.record.id), at: source.path, format: .folders)
    public static func items(
        ids: [String], at path: String, format: DatasetLayout? = nil, split: String? = nil, labelsSuffix: String? = nil
    ) throws -> [DatasetItem] {
        let (layout, root, splitFromPath) = try locate(path, format: format)
        for id in ids { try ConfinedPath.check(id) }
        return try paths(layout, root: root, split: split ?? splitFromPath ?? layout.defaultSplit, ids: ids, labelsSuffix: labelsSuffix)
    }

    /// Each id's image and label paths in `layout` (the images of COCO-Stuff, ADE20K and `folders`
    /// are found by stem, whatever their extension).
    static func paths(_ layout: DatasetLayout, root: String, split: String, ids: [String], labelsSuffix: String?) throws -> [DatasetItem] {
        switch layout {
        case .voc, .context:
            let labels = layout == .voc ? "SegmentationClass" : "SegmentationClassContext"
            return ids.map {
                DatasetItem(
                    id: $0, imagePath: root + "/JPEGImages/\($0).jpg", labelPath: root + "/\(labels)/\($0)\(labelsSuffix ?? "").png")
            }
        case .cocoStuff, .ade:
            try ConfinedPath.check(split)
            let images = root + "/images/" + split, labels = root + "/annotations/" + split
            for folder in [images, labels] where !FileManager.default.fileExists(atPath: folder) {
                throw DatasetError.missing(path: folder, layout: layout.title)
            }
            let suffix = labelsSuffix ?? (layout == .cocoStuff ? "_labelTrainIds" : "")
            let stems = try imageStems(in: images)
            return ids.map { DatasetItem(id: $0, imagePath: stems[$0] ?? images + "/\($0).jpg", labelPath: labels + "/\($0)\(suffix).png") }
        case .folders:
            let images = root + "/images", labels = root + "/labels"
            let stems = try imageStems(in: images)
            // A missing image or label stays in the list; reading it later fails that item with a clear message.
            return ids.map {
                DatasetItem(id: $0, imagePath: stems[$0] ?? images + "/\($0).jpg", labelPath: labels + "/\($0)\(labelsSuffix ?? "").png")
            }
        case .refer:
            // A referring item's truth lives in the annotation files: the split is read again and its items picked by id.
            let byID = Dictionary(
                try ReferDataset.read(root: root, split: split).items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return ids.map { byID[$0] ?? DatasetItem(id: $0, imagePath: root + "/\($0)", labelPath: root + "/\($0)") }
        }
    }

    /// The layout at `path` or around it: its root, and the split when `path` is a split's own folder.
    public static func locate(_ path: String, format: DatasetLayout?) throws -> (DatasetLayout, String, String?) {
        guard PathKind.of(path) != .missing else { throw DatasetError.notFound(path) }
        let layouts = format.map { [$0] } ?? DatasetLayout.allCases
        var base = URL(fileURLWithPath: path).standardizedFileURL.path
        var below: [String] = []
        for level in 0..<4 {
            for layout in layouts {
                // The folder given may hold the root in a customary subfolder; a folder above it must be the root.
                if let root = Dataset.root(of: layout, at: base, descend: level == 0) {
                    // `images/validation` given: that is the split.
                    let split = below.count == 1 && [.cocoStuff, .ade].contains(layout) ? below[0] : nil
                    return (layout, root, split)
                }
            }
            let url = URL(fileURLWithPath: base)
            if url.pathComponents.count <= 1 { break }
            below.insert(url.lastPathComponent, at: 0)
            base = url.deletingLastPathComponent().path
        }
        if let format { throw DatasetError.notLayout(path, format) }
        throw DatasetError.unknownLayout(path)
    }

    /// The dataset root of `layout` at `base` (itself or one of its customary subfolders).
    static func root(of layout: DatasetLayout, at base: String, descend: Bool) -> String? {
        func exists(_ path: String) -> Bool {
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        }
        switch layout {
        case .voc:
            return (descend ? [base, base + "/VOC2012", base + "/VOCdevkit/VOC2012"] : [base]).first {
                exists($0 + "/JPEGImages") && exists($0 + "/SegmentationClass") && !exists($0 + "/SegmentationClassContext")
            }
        case .context:
            return (descend ? [base, base + "/VOC2010", base + "/VOCdevkit/VOC2010"] : [base]).first {
                exists($0 + "/JPEGImages") && exists($0 + "/SegmentationClassContext")
            }
        case .cocoStuff, .ade:
            let folder = layout == .ade ? "ADEChallengeData2016" : "coco_stuff164k"
            let splits = layout == .ade ? ["validation", "training"] : ["val2017", "train2017"]
            return (descend ? [base, base + "/" + folder] : [base]).first { root in
                exists(root + "/images") && splits.contains { exists(root + "/annotations/" + $0) }
            }
        case .folders:
            return exists(base + "/images") && exists(base + "/labels") ? base : nil
        case .refer:
            return descend ? ReferDataset.root(at: base) : ReferDataset.root(at: base).flatMap { $0 == base ? base : nil }
        }
    }

    /// The items of the split, in list order, and the split as the listing names it.
    static func read(
        _ layout: DatasetLayout, root: String, split: String, explicitSplit: Bool, options: Options
    ) throws -> (items: [DatasetItem], split: String, notes: [String]) {
        switch layout {
        case .voc, .context:
            try ConfinedPath.check(split)
            let (labels, lists) =
                layout == .voc ? ("SegmentationClass", "Segmentation") : ("SegmentationClassContext", "SegmentationContext")
            let list = root + "/ImageSets/\(lists)/\(split).txt"
            guard FileManager.default.fileExists(atPath: list) else { throw DatasetError.missing(path: list, layout: layout.title) }
            return (try paths(layout, root: root, split: split, ids: try readIDs(list), labelsSuffix: options.labelsSuffix), split, [])
        case .cocoStuff, .ade:
            try ConfinedPath.check(split)
            let images = root + "/images/" + split
            guard FileManager.default.fileExists(atPath: images) else { throw DatasetError.missing(path: images, layout: layout.title) }
            let ids = try imageStems(in: images).keys.sorted()
            return (try paths(layout, root: root, split: split, ids: ids, labelsSuffix: options.labelsSuffix), split, [])
        case .folders:
            let images = root + "/images"
            var ids: [String]
            var splitName = "all images"
            if explicitSplit {
                // An id list: a path, or a file in the dataset folder (with or without `.txt`).
                guard
                    let list = [split, root + "/" + split, root + "/" + split + ".txt"].first(where: {
                        FileManager.default.fileExists(atPath: $0)
                    })
                else { throw DatasetError.missing(path: split, layout: "id list for images/ + labels/") }
                ids = try readIDs(list)
                splitName = list
            } else if FileManager.default.fileExists(atPath: root + "/ids.txt") {
                ids = try readIDs(root + "/ids.txt")
                splitName = "ids.txt"
            } else {
                ids = try imageStems(in: images).keys.sorted()
            }
            let items = try paths(layout, root: root, split: split, ids: ids, labelsSuffix: options.labelsSuffix)
            // No label where any item's should be, but one with a suffix: that is --labels-suffix.
            if let first = items.first, options.labelsSuffix == nil, items.allSatisfy({ PathKind.of($0.labelPath) == .missing }),
                let other = try? FileManager.default.contentsOfDirectory(atPath: root + "/labels").sorted().first(where: {
                    $0.hasPrefix(first.id) && $0.hasSuffix(".png") && $0.count > first.id.count + 4
                })
            {
                throw DatasetError.labelsSuffixed(
                    expected: first.labelPath, found: root + "/labels/" + other, suffix: String(other.dropFirst(first.id.count).dropLast(4))
                )
            }
            return (items, splitName, [])
        case .refer:
            return try ReferDataset.read(root: root, split: split, images: options.images)
        }
    }

    /// The extensions a dataset's images have: the layouts are JPEG and PNG ones, whatever `label` reads.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Image files in a folder by stem (`.jpg`, `.jpeg`, `.png`).
    static func imageStems(in folder: String) throws -> [String: String] {
        var byStem: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix(".") {
            let stem = (name as NSString).deletingPathExtension
            let ext = (name as NSString).pathExtension.lowercased()
            if imageExtensions.contains(ext) { byStem[stem] = folder + "/" + name }
        }
        return byStem
    }

    static func readIDs(_ path: String) throws -> [String] {
        let text: String
        do {
            text = try TextFile.read(path)
        } catch TextFileError.missing {
            throw DatasetError.missing(path: path, layout: "id list")
        }
        var ids: [String] = []
        for (number, line) in TextLines.split(text, omittingEmpty: false).enumerated() {
            let id = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if id.isEmpty { continue }
            if let reason = ConfinedPath.problem(with: id) {
                throw DatasetError.badID(path: path, line: number + 1, id: id, reason: reason)
            }
            ids.append(id)
        }
        return ids
    }
}

/// Why a dataset could not be listed.
public enum DatasetError: Error, CustomStringConvertible, Sendable {
    case unknownLayout(String)
    case notLayout(String, DatasetLayout)
    case missing(path: String, layout: String)
    case badID(path: String, line: Int, id: String, reason: String)
    case notFound(String)
    case labelsSuffixed(expected: String, found: String, suffix: String)

    public var description: String {
        switch self {
        case let .unknownLayout(root):
            return "\(root): not a dataset folder; expected one of: "
                + DatasetLayout.allCases.map { "\($0.title) (\(Dataset.expectation($0)))" }.joined(separator: "; ")
        case let .notLayout(path, layout):
            return "\(path): not a \(layout.title) folder (--dataset-format \(layout.rawValue)); expected \(Dataset.expectation(layout))"
        case let .notFound(path):
            return "\(path): does not exist"
        case let .labelsSuffixed(expected, found, suffix):
            return "\(expected): no such label map, but there is \(found): pass --labels-suffix \(suffix)"
        case let .missing(path, layout):
            return "\(path): missing (\(layout) layout)"
        case let .badID(path, line, id, reason):
            return
                "\(path):\(line): id '\(Excerpt.quote(id))' is not a plain file name (\(reason)); ids may not leave the dataset's folders"
        }
    }
}

extension Dataset {
    /// The folders a layout needs, as its error messages describe them.
    static func expectation(_ layout: DatasetLayout) -> String {
        switch layout {
        case .voc: return "VOC2012/ with JPEGImages/, SegmentationClass/, ImageSets/Segmentation/"
        case .context: return "VOC2010/ with JPEGImages/, SegmentationClassContext/, ImageSets/SegmentationContext/"
        case .cocoStuff: return "coco_stuff164k/ with images/val2017/, annotations/val2017/*_labelTrainIds.png"
        case .ade: return "ADEChallengeData2016/ with images/validation/, annotations/validation/"
        case .folders: return "images/ + labels/ (+ ids.txt)"
        case .refer: return "refer_seg/ with <dataset>/refs(<by>).p or grefs(<by>).json, <dataset>/instances.json, images/"
        }
    }
}
