import Foundation
import NIOCore
import Text4SegCore
import Text4SegEngines
import Text4SegModels
import Text4SegReports
import Text4SegServer

/// The parsers that read input text4seg does not control, each as a function
/// that must return (or throw a typed error) for any bytes: never trap, hang
/// or read out of bounds. libFuzzer drives them in the fuzzing build
/// (`scripts/fuzz.sh`); the normal build replays corpora through them.
enum FuzzTargets {
    static let names = [
        "descriptor", "vocabulary", "png", "jpeg", "webp", "tiff", "npy", "journal", "chat", "safetensors", "report", "labelconfig",
        "multipart", "refs", "instances",
    ]

    static let vocabulary = try! Vocabulary.load("pascal-voc")

    static func run(_ target: String, _ data: Data) {
        switch target {
        case "refs":
            // A referring dataset's refs(unc).p: plain data or a refusal, never code.
            if let value = try? RestrictedPickle.load(data, file: "refs.p") { _ = value.items?.first?["sentences"]?.items?.count }
        case "instances":
            // A referring dataset's instances.json: its annotations decoded on small images, or an error.
            if let instances = try? ReferDataset.Instances.decode(data, file: "instances.json") {
                let sizes = Dictionary(instances.images.map { ($0.id, ($0.width, $0.height)) }, uniquingKeysWith: { a, _ in a })
                for annotation in instances.annotations.prefix(8) {
                    let (width, height) = sizes.values.first.map { $0 } ?? (4, 4)
                    guard width * height <= 1 << 16 else { continue }
                    _ = try? annotation.segmentation.mask(height: height, width: width)
                }
            }
        case "labelconfig":
            // A Label Studio project's labeling config, as /predict receives it.
            if let config = try? LabelingConfig(xml: String(decoding: data, as: UTF8.self)) {
                precondition(!config.fromName.isEmpty || config.labels.count >= 0)
                precondition(!config.dataKey.isEmpty)
            }
        case "multipart":
            // The first byte picks the boundary's length (1–16), taken from the bytes after it; the rest is the body.
            let length = Int(data.first ?? 4) % 16 + 1
            let rest = data.dropFirst()
            let boundary = String(decoding: rest.prefix(length), as: UTF8.self)
            _ = Multipart.boundary(of: "multipart/form-data; boundary=" + boundary)
            if !boundary.isEmpty { _ = try? Multipart.fields(ByteBuffer(bytes: rest.dropFirst(length)), boundary: boundary) }
        case "descriptor":
            // The first byte picks the grid (1–40), the rest is the answer.
            let grid = Int(data.first ?? 24) % 40 + 1
            let text = String(decoding: data.dropFirst(), as: UTF8.self)
            if let decoded = try? DescriptorDecoder.decode(text, vocabulary: vocabulary, rows: grid, cols: grid) {
                precondition(decoded.grid.values.count == grid * grid)
                // What decodes must encode and decode back to the same grid.
                let again = try? DescriptorDecoder.decode(
                    DescriptorEncoder.answer(DescriptorEncoder.encode(decoded.grid, vocabulary: vocabulary, format: .rrle)),
                    vocabulary: vocabulary, rows: grid, cols: grid, strict: true)
                precondition(again?.grid == decoded.grid, "encode/decode round trip")
            }
            _ = try? DescriptorDecoder.decode(text, vocabulary: vocabulary, rows: grid, cols: grid, strict: true)
        case "vocabulary":
            let (parsed, _) = VocabularyLoader.parse(String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
            if let parsed {
                _ = parsed.promptNames
                _ = parsed.palette
                _ = parsed.resolve("cat")
            }
        case "png":
            if let decoded = try? PNGCodec.decode(data, maxPixels: 1 << 22) {
                precondition(decoded.samples.count == decoded.width * decoded.height * decoded.channels)
            }
            _ = try? PNGCodec.readLabelMap(data, maxPixels: 1 << 22)
        case "jpeg":
            if let image = try? JPEGCodec.decode(data, maxPixels: 1 << 22) {
                precondition(image.pixels.count == image.width * image.height * 3)
            }
        case "webp":
            if let image = try? WebPCodec.decode(data, maxPixels: 1 << 22) {
                precondition(image.pixels.count == image.width * image.height * 3)
            }
        case "tiff":
            if let image = try? TIFFCodec.decode(data, maxPixels: 1 << 22) {
                precondition(image.pixels.count == image.width * image.height * 3)
            }
        case "npy":
            if let map = try? LabelMapNPY.decode(data, maxPixels: 1 << 22) {
                precondition(map.values.count == map.width * map.height)
            }
        case "journal":
            let fingerprint = RunFingerprint(["grid": "24"])
            if let entries = try? EvaluationJournal.parse(
                String(decoding: data, as: UTF8.self), path: "fuzz.journal", fingerprint: fingerprint)
            {
                for entry in entries.values {
                    if let pairs = entry.counts, let matrix = try? ConfusionMatrix(classCount: 21, ignoreValue: 255, pairs: pairs) {
                        _ = matrix.metrics(.mmseg)
                        _ = matrix.metrics(.text4seg)
                    }
                }
                // What --resume does with them: the run's totals, its report and tables.
                let records = entries.values.sorted { $0.id < $1.id }
                if let outcome = try? EvaluationRunner.Outcome(records: records, vocabulary: vocabulary, file: "fuzz.journal") {
                    report(outcome)
                }
            }
        case "report":
            // What `text4seg report` and `eval merge` do with a report file: decode, check, then
            // add its items up again, and draw its tables and page.
            guard let decoded = try? JSONDecoder().decode(EvaluationReport.self, from: data),
                (try? decoded.validate(file: "fuzz.json")) != nil
            else { break }
            _ = decoded.csv()
            _ = decoded.markdown()
            _ = decoded.table()
            _ = decoded.worst(5)
            _ = try? HTMLReport(report: decoded, vocabulary: vocabulary, gallery: []).html()
            if let outcome = try? EvaluationRunner.Outcome(records: decoded.items.map(\.record), vocabulary: vocabulary, file: "fuzz.json")
            {
                report(outcome)
            }
        case "chat":
            _ = try? OpenAIEngine.parseAnswer(data)
            _ = serverMessage(data)
        case "safetensors":
            // A checked header keeps every tensor inside the bytes; reading one never traps.
            data.withUnsafeBytes { bytes in
                guard let header = try? SafetensorsHeader(bytes: bytes, path: "fuzz.safetensors") else { return }
                for (name, entry) in header.entries {
                    precondition(header.dataStart + entry.range.upperBound <= bytes.count, "tensor inside the file")
                    let start = header.dataStart + entry.range.lowerBound
                    if let tensor = try? SafetensorsFile.decode(entry, name: name, at: start, in: bytes, path: "fuzz.safetensors") {
                        precondition(tensor.data.count == entry.count)
                    }
                }
            }
        default:
            break
        }
    }

    /// The report and tables a run makes from its totals, as `eval`, `eval merge` and `--resume` do.
    static func report(_ outcome: EvaluationRunner.Outcome) {
        for (evaluationProtocol, reduce) in [(EvaluationProtocol.mmseg, false), (.mmseg, true), (.text4seg, false)] {
            let metrics = outcome.matrix.metrics(evaluationProtocol, reduceZeroLabel: reduce)
            let made = EvaluationReport(
                metrics: metrics, outcome: outcome, vocabulary: vocabulary, engine: "fuzz", grid: 24, refiner: "nearest")
            _ = made.table()
            _ = made.csv()
            precondition((try? made.validate(file: "made")) != nil, "a report made from checked records passes the checks")
        }
    }
}
