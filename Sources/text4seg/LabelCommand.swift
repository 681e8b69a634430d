import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// Where `label` writes, and what.
struct LabelOutput: ParsableArguments {
    @Option(help: "Output folder: <stem>.png for each image.")
    var out: String

    @Flag(help: "Also write <stem>.overlay.png: the image tinted and outlined with the label colors, and a legend.")
    var overlay = false

    @Option(help: "Overlays: fill (tint), outline (boundaries) or both. (default: both)")
    var overlayStyle: OverlayStyle = .both

    @Option(help: ArgumentHelp("TrueType font of the overlays' legends. (default: \(Font.defaultPath))", visibility: .hidden))
    var font: String = Font.defaultPath

    @Flag(help: "Also write <stem>.txt: the engine's answer with its <seg> descriptors.")
    var descriptors = false

    @Flag(help: "Skip images whose label map is already in --out (to finish an interrupted run).")
    var resume = false

    @Option(help: "oracle: folder of ground-truth label maps <stem>.png.")
    var groundTruth: String?

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Print one JSON object per image (its outputs and class shares) instead of a line of text.")
    var json = false
}

struct Label: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label images: one palette PNG per image, plus overlays and descriptors on request.",
        discussion: """
            An image that cannot be read or described is reported and skipped; the others are still written. \
            Exit status: 0 all written, 1 some images failed, 2 nothing could run, 64 bad usage, 130 interrupted.
            """)

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    @OptionGroup(title: "Output") var output: LabelOutput

    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image to label") }
        // Outputs are named after the input's file name: two inputs with one name would overwrite each other.
        var byStem: [String: [String]] = [:]
        for path in images { byStem[Label.stem(path), default: []].append(path) }
        let clashes = byStem.filter { $0.value.count > 1 }.sorted { $0.key < $1.key }
        if let (name, paths) = clashes.first {
            throw ValidationError(
                "\(paths.map { "'\($0)'" }.joined(separator: " and ")) would all be written as \(output.out)/\(name).png"
                    + (clashes.count > 1 ? " (and \(clashes.count - 1) more such names)" : "") + "; label them into different --out folders"
            )
        }
    }

    static func stem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    func run() async throws {
        var resolved = try pipeline.resolved()
        resolved.openAI.notice = { message in warn(message) }
        let segmenter = try resolved.segmenter(groundTruth: output.groundTruth)
        let writer = LabelMapWriter(vocabulary: resolved.vocabulary)
        var legendFont: Font?
        if output.overlay {
            do {
                legendFont = try Font(path: output.font)
            } catch {
                warn("warning: \(error); overlays are written without a legend")
            }
        }
        let renderer = OverlayRenderer(vocabulary: resolved.vocabulary, font: legendFont, style: output.overlayStyle)
        let out = output.out, overlay = output.overlay, descriptors = output.descriptors, maxPixels = resolved.maxPixels,
            resume = output.resume, json = output.json
        if resume {
            let removed = AtomicFile.removeLeftovers(in: out)
            if removed > 0 { warn("resume: removed \(removed) temporary files left by an interrupted run") }
        }
        let images = resume ? self.images.filter { !FileManager.default.fileExists(atPath: "\(out)/\(Label.stem($0)).png") } : self.images
        if resume && images.count < self.images.count { warn("resume: \(self.images.count - images.count) images already labeled") }
        let jobs = resolved.jobs
        let failures: [(String, String)]
        let progress = ProgressLine(verb: "label", total: images.count, quiet: output.quiet)
        do {
            failures = try await Interruption.cancellable {
                try await Label.labelAll(
                    images, segmenter: segmenter, writer: writer, renderer: overlay ? renderer : nil, out: out, descriptors: descriptors,
                    jobs: jobs, maxPixels: maxPixels, progress: progress, json: json)
            }
            progress.end()
        } catch is CancellationError {
            progress.end()
            await segmenter.engine.shutdown()
            warn("interrupted; run the same command with --resume to label the rest")
            throw ExitCode(ExitStatus.interrupted)
        } catch let stop as EvaluationStop {
            progress.end()
            await segmenter.engine.shutdown()
            warn("error: \(stop)")
            throw ExitCode(ExitStatus.nothingRan)
        }
        await segmenter.engine.shutdown()
        for (path, reason) in failures { warn("error: \(path): \(reason)") }
        if !failures.isEmpty {
            warn("\(failures.count) of \(images.count) images failed; the others were written")
            throw ExitCode(ExitStatus.someFailed)
        }
    }

    static func labelAll(
        _ images: [String], segmenter: Segmenter, writer: LabelMapWriter, renderer: OverlayRenderer?, out: String, descriptors: Bool,
        jobs: Int, maxPixels: Int, progress: ProgressLine, json: Bool
    ) async throws -> [(String, String)] {
        var failures: [(String, String)] = []
        // As in eval: first images that all fail with one configuration error stop the run.
        let probe = images.count > 3 ? 3 : 0
        var configurationFailures: [String] = []
        var finished = 0
        let vocabulary = segmenter.vocabulary
        try await BoundedConcurrency.forEach(images, limit: jobs) { path -> Result<[ClassShare], LabelFailure> in
            let stem = Label.stem(path)
            do {
                let image = try ImageIO.readImage(path, maxPixels: maxPixels)
                let result = try await segmenter.segment(itemID: stem, image: image)
                try writer.writeLabelMap(result.labelMap, to: "\(out)/\(stem).png")
                if let renderer {
                    try AtomicFile.write(
                        try PNGCodec.encodeRGB(renderer.render(result.labelMap, on: image)), to: "\(out)/\(stem).overlay.png")
                }
                if descriptors, let answer = result.answer { try AtomicFile.write(answer, to: "\(out)/\(stem).txt") }
                for repair in result.repairs { progress.say("warning: \(path): \(repair)") }
                return .success(ClassShare.shares(of: result.labelMap, vocabulary: vocabulary))
            } catch {
                let configuration = (error as? ConfigurationFailure).flatMap { $0.isConfigurationFailure ? $0.configurationMessage : nil }
                return .failure(LabelFailure(message: "\(error)", configuration: configuration))
            }
        } handle: { path, outcome in
            finished += 1
            if finished <= probe, case let .failure(failure) = outcome, let message = failure.configuration {
                configurationFailures.append(message)
            }
            if probe > 0, finished == probe, configurationFailures.count == probe, Set(configurationFailures).count == 1 {
                throw EvaluationStop.configuration(message: configurationFailures[0], items: probe)
            }
            let stem = Label.stem(path)
            switch outcome {
            case let .failure(failure):
                failures.append((path, failure.message))
                progress.finished(failed: true, retries: 0)
            case let .success(shares):
                progress.clear()
                if json {
                    let line = LabelLine(
                        image: path, labelMap: "\(out)/\(stem).png", overlay: renderer != nil ? "\(out)/\(stem).overlay.png" : nil,
                        descriptors: descriptors ? "\(out)/\(stem).txt" : nil, classes: shares)
                    print(String(decoding: try JSONEncoder.sortedKeys.encode(line), as: UTF8.self))
                } else {
                    print("\(path) -> \(out)/\(stem).png: \(shares.map(\.description).joined(separator: ", "))")
                }
                progress.finished(failed: false, retries: 0)
            }
        }
        return failures
    }
}

/// Why one image could not be labeled, and whether every other would fail alike.
struct LabelFailure: Error {
    var message: String
    var configuration: String?
}

/// What `label --json` prints for each image.
struct LabelLine: Encodable {
    var image: String
    var labelMap: String
    var overlay: String?
    var descriptors: String?
    var classes: [ClassShare]
}

extension JSONEncoder {
    /// Compact, keys sorted: one stable line per object.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
