import Foundation
import Text4SegCore

extension HTMLReport {
    /// The `count` worst and `count` best items of `report` (by their own mIoU), read back from
    /// the dataset the report names and the predictions written to `predictions` (`<id>.png`).
    /// Items whose files cannot be read are left out of the gallery, not the report.
    public static func gallery(
        for report: EvaluationReport, vocabulary: Vocabulary, predictions: String, count: Int, maxPixels: Int = Limits.defaultMaxPixels
    ) throws -> (items: [GalleryItem], skipped: [String]) {
        guard count > 0, let source = report.dataset else { return ([], []) }
        let suffix = report.settings["dataset.labels_suffix"].flatMap { $0 == "default" ? nil : $0 }
        let listing = try Dataset.list(
            at: source.path,
            options: Dataset.Options(format: DatasetLayout(rawValue: source.layout), split: source.split, labelsSuffix: suffix))
        let paths = Dictionary(listing.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let ranked = report.itemsByMIoU
        let worst = Array(ranked.prefix(count)), best = Array(ranked.suffix(min(count, max(0, ranked.count - worst.count))).reversed())
        var items: [GalleryItem] = [], skipped: [String] = []
        for (group, chosen) in [("worst", worst), ("best", best)] {
            for result in chosen {
                let id = result.record.id
                do {
                    guard let item = paths[id] else { throw DatasetError.missing(path: id, layout: source.layout) }
                    let image = try ImageIO.readImage(item.imagePath, maxPixels: maxPixels)
                    let truth = try ImageIO.readLabelMap(item.labelPath, maxPixels: maxPixels)
                    let prediction = try ImageIO.readLabelMap(
                        try ConfinedPath.join(predictions, id, extension: "png"), maxPixels: maxPixels)
                    guard truth.width == image.width, prediction.width == image.width, truth.height == image.height,
                        prediction.height == image.height
                    else { throw ImageError.sizeMismatch(path: id, expected: "\(image.width)×\(image.height)", found: "another size") }
                    items.append(GalleryItem(id: id, mIoU: result.mIoU, image: image, truth: truth, prediction: prediction, group: group))
                } catch {
                    skipped.append("\(id): \(error)")
                }
            }
        }
        return (items, skipped)
    }
}
