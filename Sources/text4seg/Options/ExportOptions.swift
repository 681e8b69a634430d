import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// `--export` and `--export-root`, for `label` and `eval`: annotation files beside the label maps.
struct ExportOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Also write annotation files into --out: coco (coco.json, RLE masks), labelstudio (labelstudio.json, tasks with "
                + "brush predictions), cvat (cvat.xml, CVAT for images 1.1) or all; comma-separated or repeated."))
    var export: [ExportSelection] = []

    @Option(help: "Image paths in the exports are relative to this folder. (default: the folder the images were found in)")
    var exportRoot: String?

    @Flag(help: "Export regions as polygons (holes kept by a zero-width cut) instead of masks.")
    var polygons = false

    @Option(
        help: "With --polygons: how far, in pixels, a simplified polygon may stray from the traced boundary (0: exact). (default: 0.5)")
    var polygonTolerance: Double?

    /// The default simplification: within a pixel (README, Exports: the area it costs).
    static let defaultTolerance = 0.5

    func validate() throws {
        if exportRoot != nil && export.isEmpty { throw ValidationError("--export-root applies only with --export") }
        if polygons && export.isEmpty { throw ValidationError("--polygons applies only with --export") }
        if polygonTolerance != nil && !polygons { throw ValidationError("--polygon-tolerance applies only with --polygons") }
        if let polygonTolerance, !(0...100).contains(polygonTolerance) {
            throw ValidationError("--polygon-tolerance must be between 0 and 100 (got \(polygonTolerance))")
        }
    }

    /// The formats asked for.
    var formats: Set<AnnotationExport.Format> { export.reduce(into: []) { $0.formUnion($1.formats) } }

    /// The export files under `out`; a shard's carry its place (`coco.shard-1-of-4.json`), so
    /// that shards sharing one `--out` keep their own.
    func paths(in out: String, shard: Shard? = nil) -> [String] {
        formats.map { out + "/" + ExportOptions.fileName($0, shard: shard) }.sorted()
    }

    static func fileName(_ format: AnnotationExport.Format, shard: Shard?) -> String {
        guard let shard else { return format.fileName }
        let name = format.fileName, dot = name.lastIndex(of: ".") ?? name.endIndex
        return name[..<dot] + ".shard-\(shard.index)-of-\(shard.count)" + name[dot...]
    }

    /// The folder image paths are made relative to: `--export-root`, else the deepest folder holding every image.
    func root(for images: [String]) -> String {
        if let exportRoot { return URL(fileURLWithPath: exportRoot).standardizedFileURL.path }
        let folders = images.map { URL(fileURLWithPath: $0).standardizedFileURL.deletingLastPathComponent().pathComponents }
        guard var common = folders.first else { return FileManager.default.currentDirectoryPath }
        for folder in folders.dropFirst() {
            common = Array(zip(common, folder).prefix { $0 == $1 }.map(\.0))
        }
        return NSString.path(withComponents: common.isEmpty ? ["/"] : common)
    }

    /// Each image's path relative to `root`, or an error naming the first image outside it.
    static func relativePaths(_ images: [String], root: String) throws -> [String] {
        let base = URL(fileURLWithPath: root).standardizedFileURL.pathComponents
        return try images.map { image in
            let parts = URL(fileURLWithPath: image).standardizedFileURL.pathComponents
            guard parts.count > base.count, Array(parts.prefix(base.count)) == base else {
                throw ValidationError("--export-root \(root) does not hold \(image): exports name images relative to it")
            }
            return parts.dropFirst(base.count).joined(separator: "/")
        }
    }

    /// Writes the exports of `items` (each image's path and its label map's path) into `out`,
    /// each file atomically; items whose label map is missing (failed) are left out. `scores`
    /// (by image path) are the engine's class scores of the images labeled in this run.
    func write(
        _ items: [(image: String, labelMap: String)], scores: [String: [Int: Double]] = [:], root: String, out: String,
        shard: Shard? = nil, vocabulary: Vocabulary, modelVersion: String
    ) throws {
        guard !formats.isEmpty else { return }
        var exporter = AnnotationExport(formats: formats, vocabulary: vocabulary, modelVersion: modelVersion)
        if polygons { exporter.polygonTolerance = polygonTolerance ?? ExportOptions.defaultTolerance }
        let present = items.filter { FileManager.default.fileExists(atPath: $0.labelMap) }
        for (item, relative) in zip(present, try ExportOptions.relativePaths(present.map(\.image), root: root)) {
            exporter.add(
                image: relative, map: try LabelMapFormat.read(item.labelMap, maxPixels: Limits.maxPixels.upperBound),
                scores: scores[item.image] ?? [:])
        }
        for document in try exporter.documents() {
            try AtomicFile.write(document.data, to: out + "/" + ExportOptions.fileName(document.format, shard: shard))
        }
    }
}

/// One `--export` value: a format, `all`, or several comma-separated.
struct ExportSelection: ExpressibleByArgument, Sendable {
    var formats: Set<AnnotationExport.Format>

    init?(argument: String) {
        var formats: Set<AnnotationExport.Format> = []
        for part in argument.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "all" {
                formats.formUnion(AnnotationExport.Format.allCases)
            } else if let format = AnnotationExport.Format(rawValue: name) {
                formats.insert(format)
            } else {
                return nil
            }
        }
        guard !formats.isEmpty else { return nil }
        self.formats = formats
    }

    static var allValueStrings: [String] { AnnotationExport.Format.allCases.map(\.rawValue) + ["all"] }
}
