import Foundation
import Text4SegCore

/// Label maps as files that annotation tools and COCO tooling import: a COCO annotations JSON,
/// Label Studio tasks with predictions, and a CVAT for images 1.1 XML. Each image's label map is
/// encoded as it is added (one region per class present, the others class and the ignore value
/// left out), and the documents are made at the end.
///
///     var export = AnnotationExport(formats: [.coco, .cvat], vocabulary: voc, modelVersion: "clip clearclip")
///     export.add(image: "2024/a.jpg", map: map)
///     for document in try export.documents() { try AtomicFile.write(document.data, to: out + "/" + document.fileName) }
public struct AnnotationExport: Sendable {
    /// The formats, as `--export` names them.
    public enum Format: String, Sendable, CaseIterable, Codable {
        case coco
        case labelstudio
        case cvat

        /// The file each is written to, in the output folder.
        public var fileName: String {
            switch self {
            case .coco: return "coco.json"
            case .labelstudio: return "labelstudio.json"
            case .cvat: return "cvat.xml"
            }
        }
    }

    /// One written document.
    public struct Document: Sendable {
        public var format: Format
        public var fileName: String
        public var data: Data
    }

    public let formats: Set<Format>
    public let vocabulary: Vocabulary
    /// What made the labels: the engine and the settings fingerprint (Label Studio's `model_version`).
    public let modelVersion: String
    /// Regions as polygons simplified to this many pixels (``MaskPolygons``) instead of masks;
    /// `nil`: masks (COCO RLE, Label Studio brush RLE, CVAT mask RLE), which are exact.
    public var polygonTolerance: Double?
    /// Label Studio's image URL for a path relative to the export root: by default its local
    /// file serving (`/data/local-files/?d=PATH`, with LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT the root).
    public var labelStudioURL: @Sendable (String) -> String = { "/data/local-files/?d=" + LabelStudioExport.percentEncoded($0) }

    var coco = COCOExport()
    var labelStudio: [LabelStudioExport.Task] = []
    var cvat: [CVATExport.Image] = []

    public init(formats: Set<Format>, vocabulary: Vocabulary, modelVersion: String) {
        self.formats = formats
        self.vocabulary = vocabulary
        self.modelVersion = modelVersion
    }

    /// The values that get no region: the others class and the ignore value.
    var skipped: Set<Int> { Set([vocabulary.ignoreValue] + (vocabulary.othersID.map { [$0] } ?? [])) }

    /// Adds the label map of the image at `image` (a `/`-separated path relative to the export
    /// root), with the engine's score of each class where it has one (Label Studio's region scores).
    public mutating func add(image: String, map: LabelMap, scores: [Int: Double] = [:]) {
        let masks = ClassMask.all(in: map, skipping: skipped).filter { vocabulary.class(id: $0.value) != nil }
        let polygons = polygonTolerance.map { tolerance in masks.map { MaskPolygons.polygons(of: $0, tolerance: tolerance) } }
        if formats.contains(.coco) { coco.add(image: image, width: map.width, height: map.height, masks: masks, polygons: polygons) }
        if formats.contains(.labelstudio) {
            labelStudio.append(
                LabelStudioExport.task(
                    image: labelStudioURL(image), map: map, masks: masks, polygons: polygons, scores: scores, vocabulary: vocabulary,
                    modelVersion: modelVersion))
        }
        if formats.contains(.cvat) {
            cvat.append(CVATExport.Image(name: image, width: map.width, height: map.height, masks: masks, polygons: polygons))
        }
    }

    /// The documents of the formats asked for, in `Format` order.
    public func documents() throws -> [Document] {
        try Format.allCases.filter(formats.contains).map { format in
            let data: Data
            switch format {
            case .coco: data = try coco.json(vocabulary: vocabulary, skipping: skipped, description: modelVersion)
            case .labelstudio: data = try LabelStudioExport.json(labelStudio)
            case .cvat: data = CVATExport.xml(cvat, vocabulary: vocabulary, skipping: skipped, polygons: polygonTolerance != nil)
            }
            return Document(format: format, fileName: format.fileName, data: data)
        }
    }
}
