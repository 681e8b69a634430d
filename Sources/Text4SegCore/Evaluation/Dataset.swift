import Foundation

/// One image of an evaluation set and its ground truth.
public struct DatasetItem: Sendable, Hashable {
    public var id: String
    public var imagePath: String
    public var labelPath: String
}

/// Finds the items of an evaluation set on disk.
///
/// Two layouts are understood:
/// - VOCdevkit: `JPEGImages/`, `SegmentationClass/`, `ImageSets/Segmentation/<split>.txt`
///   (the folder itself, or `VOC2012/` / `VOCdevkit/VOC2012/` below it);
/// - a folder pair `images/` + `labels/`, matched by file stem, in the order of
///   `ids.txt` when present, else sorted.
public enum Dataset {
    /// The items of a dataset, with the problems of its id list that did not stop it.
    public struct Listing: Sendable {
        public var items: [DatasetItem]
        /// Ids listed more than once (each is evaluated once), with how often they appeared.
        public var duplicates: [(id: String, count: Int)]
    }

    /// Lists a dataset and drops repeated ids, reporting them in ``Listing/duplicates``.
    /// An id that is not a plain file name (`../x`, `a/b`) stops the listing with an error naming its line.
    public static func list(at root: String, split: String = "val") throws -> Listing {
        var seen: [String: Int] = [:]
        var order: [String] = []
        var unique: [DatasetItem] = []
        for item in try Dataset.items(at: root, split: split) {
            if let n = seen[item.id] {
                seen[item.id] = n + 1
                if n == 1 { order.append(item.id) }
            } else {
                seen[item.id] = 1
                unique.append(item)
            }
        }
        return Listing(items: unique, duplicates: order.map { ($0, seen[$0]!) })
    }

    /// Every listed item, in list order, repeats included.
    public static func items(at root: String, split: String = "val") throws -> [DatasetItem] {
        try ConfinedPath.check(split)
        let fm = FileManager.default
        for candidate in [root, root + "/VOC2012", root + "/VOCdevkit/VOC2012"] {
            let list = candidate + "/ImageSets/Segmentation/\(split).txt"
            if fm.fileExists(atPath: candidate + "/JPEGImages"), fm.fileExists(atPath: candidate + "/SegmentationClass") {
                guard fm.fileExists(atPath: list) else {
                    throw DatasetError.missing(path: list, layout: "VOCdevkit")
                }
                return try readIDs(list).map {
                    DatasetItem(
                        id: $0, imagePath: candidate + "/JPEGImages/\($0).jpg", labelPath: candidate + "/SegmentationClass/\($0).png")
                }
            }
        }
        let images = root + "/images", labels = root + "/labels"
        guard fm.fileExists(atPath: images), fm.fileExists(atPath: labels) else {
            throw DatasetError.unknownLayout(root)
        }
        var imageByStem: [String: String] = [:]
        for name in try fm.contentsOfDirectory(atPath: images) where !name.hasPrefix(".") {
            let stem = (name as NSString).deletingPathExtension
            let ext = (name as NSString).pathExtension.lowercased()
            if ["jpg", "jpeg", "png"].contains(ext) { imageByStem[stem] = images + "/" + name }
        }
        var ids: [String]
        if fm.fileExists(atPath: root + "/ids.txt") {
            ids = try readIDs(root + "/ids.txt")
        } else {
            ids = imageByStem.keys.sorted()
        }
        return ids.map { id in
            // A missing image or label stays in the list; reading it later fails that item with a clear message.
            DatasetItem(id: id, imagePath: imageByStem[id] ?? images + "/\(id).jpg", labelPath: labels + "/\(id).png")
        }
    }

    static func readIDs(_ path: String) throws -> [String] {
        let text: String
        do {
            text = try TextFile.read(path)
        } catch TextFileError.missing {
            throw DatasetError.missing(path: path, layout: "id list")
        }
        var ids: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
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
    case missing(path: String, layout: String)
    case badID(path: String, line: Int, id: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownLayout(root):
            return
                "\(root): not a dataset folder; expected VOCdevkit (JPEGImages/, SegmentationClass/, ImageSets/Segmentation/) or "
                + "images/ + labels/"
        case let .missing(path, layout):
            return "\(path): missing (\(layout) layout)"
        case let .badID(path, line, id, reason):
            return
                "\(path):\(line): id '\(Excerpt.quote(id))' is not a plain file name (\(reason)); ids may not leave the dataset's folders"
        }
    }
}
