import Foundation
import Text4SegCore

extension HTMLReport {
    /// The `count` worst and `count` best items of `report` (by their own mIoU), read back from
    /// the dataset the report names and the predictions written to `predictions` (`<id>.png`).
    /// The items are found by the ids the report lists (``Dataset/items(ids:at:format:split:labelsSuffix:)``),
    /// not by listing the split again. Items whose files cannot be read are left out of the gallery, not the report.
    public static func gallery(
        for report: EvaluationReport, vocabulary: Vocabulary, predictions: String, count: Int, maxPixels: Int = Limits.defaultMaxPixels
    ) throws -> (items: [GalleryItem], skipped: [String]) {
        guard count > 0, let source = report.dataset else { return ([], []) }
        let suffix = report.settings["dataset.labels_suffix"].flatMap { $0 == "default" ? nil : $0 }
        let ranked = report.itemsByMIoU
        let worst = Array(ranked.prefix(count)), best = Array(ranked.suffix(min(count, max(0, ranked.count - worst.count))).reversed())
        let layout = DatasetLayout(rawValue: source.layout)
        // The split is a folder only for COCO-Stuff and ADE20K; elsewhere it names an id list, which is not read again.
        let found = try Dataset.items(
            ids: (worst + best).map(\.record.id).filter { ConfinedPath.problem(with: $0) == nil }, at: source.path, format: layout,
            split: layout == .cocoStuff || layout == .ade || layout == .refer ? source.split : nil, labelsSuffix: suffix)
        let paths = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [GalleryItem] = [], skipped: [String] = []
        for (group, chosen) in [("worst", worst), ("best", best)] {
            for result in chosen {
                let id = result.record.id
                do {
                    guard let item = paths[id] else { throw DatasetError.missing(path: id, layout: source.layout) }
                    let image = try ImageIO.readImage(item.imagePath, maxPixels: maxPixels)
                    let truth =
                        try item.referring?.truth(of: image, path: item.labelPath)
                        ?? ImageIO.readLabelMap(item.labelPath, maxPixels: maxPixels)
                    let prediction = try ImageIO.readLabelMap(
                        try ConfinedPath.join(predictions, id, extension: "png"), maxPixels: maxPixels)
                    guard truth.width == image.width, prediction.width == image.width, truth.height == image.height,
                        prediction.height == image.height
                    else { throw ImageError.sizeMismatch(path: id, expected: "\(image.width)×\(image.height)", found: "another size") }
                    items.append(
                        GalleryItem(
                            id: id, mIoU: result.score, image: image, truth: truth, prediction: prediction, group: group,
                            expression: item.referring?.expression))
                } catch {
                    skipped.append("\(id): \(error)")
                }
            }
        }
        return (items, skipped)
    }
}
