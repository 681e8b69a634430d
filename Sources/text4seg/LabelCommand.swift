import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// Where `label` writes, and what.
struct LabelOutput: ParsableArguments {
    @Option(help: "Output folder: <stem>.png for each image (for images found in a folder: their path relative to it).")
    var out: String

    @Flag(help: "Label the images in subfolders of folder arguments too (outputs keep the relative paths).")
    var recursive = false

    @Option(
        help: "Also write the engine's per-class score maps: <stem>.npy (float32, classes × rows × cols) and <stem>.json (the classes).")
    var saveScores: String?

    @Flag(help: "Also write <stem>.overlay.png: the image tinted and outlined with the label colors, and a legend.")
    var overlay = false

    @Option(help: "Overlays: fill (tint), outline (boundaries) or both. (default: both)")
    var overlayStyle: OverlayStyle = .both

    @Option(help: ArgumentHelp("TrueType font of the overlays' legends. (default: \(Font.defaultPath))", visibility: .hidden))
    var font: String = Font.defaultPath

    @Flag(help: "Also write <stem>.txt: the engine's answer with its <seg> descriptors (for grid engines, their grid written so).")
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

            EXAMPLES:
              # label photos with the embedded engine (after `text4seg models install`)
              text4seg label photos/*.jpg --out labels --overlay

              # label with a Text4Seg server and keep its answers
              text4seg label a.jpg b.jpg --out labels --engine openai \\
                --base-url http://127.0.0.1:8000/v1 --descriptors

              # finish an interrupted run
              text4seg label photos/*.jpg --out labels --resume
            """)

    @Argument(help: "Image files (JPEG or PNG), or folders of them.")
    var images: [String]

    @OptionGroup(title: "Output") var output: LabelOutput

    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder to label") }
    }

    func run() async throws {
        var resolved = try pipeline.resolved(try pipeline.configFile())
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
        let out = output.out
        let all = try LabelInput.expand(images, recursive: output.recursive, out: out, outputFolders: [output.saveScores].compactMap { $0 })
        // Every output is planned, and checked against every input, before anything is written.
        ProtectedInputs.shared.protect(all.map(\.path) + [output.font])
        for folder in [output.groundTruth, resolved.replayFolder].compactMap({ $0 }) { ProtectedInputs.shared.protect(folder: folder) }
        ProtectedInputs.shared.protect(
            resolved.inputFiles(itemIDs: all.map(\.itemID), groundTruth: output.groundTruth))
        try LabelJob.plan(all, output: output, engineOutputs: resolved.engineOutputs).check()
        if output.resume {
            let removed = AtomicFile.removeLeftovers(in: out)
            if removed > 0 { warn("resume: removed \(removed) temporary files left by an interrupted run") }
        }
        let inputs =
            output.resume ? try all.filter { !FileManager.default.fileExists(atPath: try $0.output(in: out, suffix: ".png")) } : all
        if output.resume && inputs.count < all.count { warn("resume: \(all.count - inputs.count) images already labeled") }
        let failures: [(String, String)]
        let progress = ProgressLine(verb: "label", total: inputs.count, quiet: output.quiet)
        let job = LabelJob(
            segmenter: segmenter, writer: writer, renderer: output.overlay ? renderer : nil, out: out, descriptors: output.descriptors,
            scores: output.saveScores, maxPixels: resolved.maxPixels, progress: progress, json: output.json)
        if let scores = output.saveScores { try FileManager.default.createDirectory(atPath: scores, withIntermediateDirectories: true) }
        let ran: Result<[(String, String)], Error>
        do {
            let jobs = resolved.jobs
            ran = .success(try await Interruption.cancellable { try await job.run(inputs, jobs: jobs) })
        } catch {
            ran = .failure(error)
        }
        progress.end()
        await segmenter.engine.shutdown()
        switch ran {
        case let .success(failed): failures = failed
        case .failure(is CancellationError):
            warn("interrupted; run the same command with --resume to label the rest")
            throw ExitCode(ExitStatus.interrupted)
        case let .failure(stop as EvaluationStop):
            warn("error: \(stop)")
            throw ExitCode(ExitStatus.nothingRan)
        case let .failure(error): throw error
        }
        for (path, reason) in failures { warn("error: \(path): \(reason)") }
        if !failures.isEmpty {
            warn("\(failures.count) of \(inputs.count) images failed; the others were written")
            throw ExitCode(ExitStatus.someFailed)
        }
    }
}

/// What `label` does to each image: segment it, write its label map (and overlay,
/// descriptors, scores), and print what it found.
struct LabelJob: Sendable {
    var segmenter: Segmenter
    var writer: LabelMapWriter
    var renderer: OverlayRenderer?
    var out: String
    var descriptors: Bool
    /// Where score maps go, if anywhere.
    var scores: String?
    var maxPixels: Int
    var progress: ProgressLine
    var json: Bool
    let noScores = OnceFlag()

    /// Every file labelling `inputs` writes, checked for collisions: label maps, overlays,
    /// descriptors, score maps and their sidecars, and what the engine keeps (`engineOutputs`).
    static func plan(_ inputs: [LabelInput], output: LabelOutput, engineOutputs: (String) -> [String]) throws -> OutputPlan {
        var plan = OutputPlan()
        for input in inputs {
            var paths = [try input.path(in: output.out, suffix: ".png")]
            if output.overlay { paths.append(try input.path(in: output.out, suffix: ".overlay.png")) }
            if output.descriptors { paths.append(try input.path(in: output.out, suffix: ".txt")) }
            if let scores = output.saveScores {
                paths += [try input.path(in: scores, suffix: ".npy"), try input.path(in: scores, suffix: ".json")]
            }
            for path in paths + engineOutputs(input.itemID) { try plan.add(path, for: input.path) }
        }
        return plan
    }

    /// Labels every input, `jobs` at a time; returns the failed ones with their reasons.
    func run(_ inputs: [LabelInput], jobs: Int) async throws -> [(String, String)] {
        var failures: [(String, String)] = []
        // As in eval: first images that all fail with one configuration error stop the run.
        var probe = ConfigurationProbe(items: inputs.count)
        try await BoundedConcurrency.forEach(inputs, limit: jobs) { input -> Result<[ClassShare], LabelFailure> in
            do {
                return .success(try await label(input))
            } catch {
                return .failure(LabelFailure(message: "\(error)", configuration: ConfigurationProbe.message(of: error)))
            }
        } handle: { input, outcome in
            if case let .failure(failure) = outcome { try probe.record(failure.configuration) } else { try probe.record(nil) }
            switch outcome {
            case let .failure(failure):
                failures.append((input.path, failure.message))
                progress.finished(failed: true, retries: 0)
            case let .success(shares):
                progress.clear()
                let map = try input.output(in: out, suffix: ".png")
                if json {
                    let line = LabelLine(
                        image: input.path, labelMap: map,
                        overlay: renderer != nil ? try input.output(in: out, suffix: ".overlay.png") : nil,
                        descriptors: descriptors ? try input.output(in: out, suffix: ".txt") : nil,
                        scores: try scores.map { try input.output(in: $0, suffix: ".npy") }, classes: shares)
                    print(String(decoding: try JSONEncoder.sortedKeys.encode(line), as: UTF8.self))
                } else {
                    print("\(input.path) -> \(map): \(shares.map(\.description).joined(separator: ", "))")
                }
                progress.finished(failed: false, retries: 0)
            }
        }
        return failures
    }

    /// Labels one image and writes its outputs; returns the classes found.
    func label(_ input: LabelInput) async throws -> [ClassShare] {
        let image = try ImageIO.readImage(input.path, maxPixels: maxPixels)
        let result = try await segmenter.segment(itemID: input.itemID, image: image)
        try writer.writeLabelMap(result.labelMap, to: try input.output(in: out, suffix: ".png"))
        if let renderer {
            try AtomicFile.write(
                try PNGCodec.encodeRGB(renderer.render(result.labelMap, on: image)), to: try input.output(in: out, suffix: ".overlay.png"))
        }
        if descriptors {
            // Grid engines (embedded) answer without text: their grid is written as Text4Seg would have answered.
            let text = result.answer ?? DescriptorEncoder.answer(DescriptorEncoder.encode(result.grid, vocabulary: segmenter.vocabulary))
            try AtomicFile.write(text, to: try input.output(in: out, suffix: ".txt"))
        }
        if let folder = scores {
            if let maps = result.engineOutput.scores {
                let (npy, sidecar) = try ScoreMaps.encode(maps, grid: result.grid, vocabulary: segmenter.vocabulary)
                try AtomicFile.write(npy, to: try input.output(in: folder, suffix: ".npy"))
                try AtomicFile.write(sidecar, to: try input.output(in: folder, suffix: ".json"))
            } else if noScores.claim() {
                progress.say("warning: engine \(segmenter.engine.name) gives labels, not per-class scores: --save-scores writes nothing")
            }
        }
        for repair in result.repairs { progress.say("warning: \(input.path): \(repair)") }
        return ClassShare.shares(of: result.labelMap, vocabulary: segmenter.vocabulary)
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
    var scores: String?
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
