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
        let resolved = try pipeline.resolved()
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
        do {
            failures = try await Interruption.cancellable {
                try await Label.labelAll(
                    images, segmenter: segmenter, writer: writer, out: out, overlay: overlay, descriptors: descriptors, jobs: jobs,
                    maxPixels: maxPixels)
            }
        } catch is CancellationError {
            await segmenter.engine.shutdown()
            warn("interrupted; run the same command with --resume to label the rest")
            throw ExitCode(ExitStatus.interrupted)
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
        maxPixels: Int
    ) async throws -> [(String, String)] {
        var failures: [(String, String)] = []
        try await BoundedConcurrency.forEach(images, limit: jobs) { path -> String? in
            let stem = Label.stem(path)
            do {
                let image = try ImageIO.readImage(path, maxPixels: maxPixels)
                let result = try await segmenter.segment(itemID: stem, image: image)
                try writer.writeLabelMap(result.labelMap, to: "\(out)/\(stem).png")
                if overlay { try writer.writeOverlay(result.labelMap, on: image, to: "\(out)/\(stem).overlay.png") }
                if descriptors, let answer = result.answer { try AtomicFile.write(answer, to: "\(out)/\(stem).txt") }
                for repair in result.repairs { warn("warning: \(path): \(repair)") }
                return nil
            } catch {
                return "\(error)"
            }
        } handle: { path, failure in
            if let failure {
                failures.append((path, failure))
            } else {
                print("\(path) -> \(out)/\(Label.stem(path)).png")
            }
        }
        return failures
    }
}
