import ArgumentParser
import Foundation
import Text4SegCore

/// Where `label` writes, and what.
struct LabelOutput: ParsableArguments {
    @Option(help: "Output folder: <stem>.png for each image.")
    var out: String

    @Flag(help: "Also write <stem>.overlay.png: the image blended with the label colors.")
    var overlay = false

    @Flag(help: "Also write <stem>.txt: the engine's answer with its <seg> descriptors.")
    var descriptors = false

    @Flag(help: "Skip images whose label map is already in --out (to finish an interrupted run).")
    var resume = false

    @Option(help: "oracle: folder of ground-truth label maps <stem>.png.")
    var groundTruth: String?

    @Flag(help: "No progress line.")
    var quiet = false
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
        let out = output.out, overlay = output.overlay, descriptors = output.descriptors, maxPixels = resolved.maxPixels,
            resume = output.resume
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
                    images, segmenter: segmenter, writer: writer, out: out, overlay: overlay, descriptors: descriptors, jobs: jobs,
                    maxPixels: maxPixels, progress: progress)
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
        _ images: [String], segmenter: Segmenter, writer: LabelMapWriter, out: String, overlay: Bool, descriptors: Bool, jobs: Int,
        maxPixels: Int, progress: ProgressLine
    ) async throws -> [(String, String)] {
        var failures: [(String, String)] = []
        // As in eval: first images that all fail with one configuration error stop the run.
        let probe = min(3, images.count)
        var configurationFailures: [String] = []
        var finished = 0
        try await BoundedConcurrency.forEach(images, limit: jobs) { path -> (failure: String, configuration: String?)? in
            let stem = Label.stem(path)
            do {
                let image = try ImageIO.readImage(path, maxPixels: maxPixels)
                let result = try await segmenter.segment(itemID: stem, image: image)
                try writer.writeLabelMap(result.labelMap, to: "\(out)/\(stem).png")
                if overlay { try writer.writeOverlay(result.labelMap, on: image, to: "\(out)/\(stem).overlay.png") }
                if descriptors, let answer = result.answer { try AtomicFile.write(answer, to: "\(out)/\(stem).txt") }
                for repair in result.repairs { progress.say("warning: \(path): \(repair)") }
                return nil
            } catch {
                let configuration = (error as? ConfigurationFailure).flatMap { $0.isConfigurationFailure ? $0.configurationMessage : nil }
                return ("\(error)", configuration)
            }
        } handle: { path, failure in
            finished += 1
            if finished <= probe, let message = failure?.configuration { configurationFailures.append(message) }
            if finished == probe, configurationFailures.count == probe, Set(configurationFailures).count == 1 {
                throw EvaluationStop.configuration(message: configurationFailures[0], items: probe)
            }
            if let failure {
                failures.append((path, failure.failure))
            } else {
                print("\(path) -> \(out)/\(Label.stem(path)).png")
            }
            progress.finished(failed: failure != nil, retries: 0)
        }
        return failures
    }
}
