import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

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

              # drafts for Label Studio and CVAT, and COCO masks, image paths relative to photos/
              text4seg label photos --out labels --classes "person, car, road" --export all
            """)

    @Argument(help: "Image files (JPEG, PNG, WebP or TIFF), or folders of them.")
    var images: [String]

    @OptionGroup(title: "Output") var output: LabelOutput

    @OptionGroup(title: "Export") var exports: ExportOptions

    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder to label") }
        try checkRange(output.overlayOpacity, 0...1, "--overlay-opacity")
    }

    func run() async throws {
        var resolved = try pipeline.resolved(try pipeline.configFile())
        try resolved.settleCLIP(othersIgnored: false)
        resolved.openAI.notice = { message in warn(message) }
        let writer = LabelMapWriter(vocabulary: resolved.vocabulary)
        var legendFont: Font?
        if output.overlay {
            do {
                legendFont = try Font(path: output.font)
            } catch {
                warn("warning: \(error); overlays are written without a legend")
            }
        }
        let renderer = OverlayRenderer(
            vocabulary: resolved.vocabulary, font: legendFont, style: output.overlayStyle, opacity: output.overlayOpacity,
            palette: output.palette)
        let out = output.out
        let all = try LabelInput.expand(images, recursive: output.recursive, out: out, outputFolders: [output.saveScores].compactMap { $0 })
        guard !all.isEmpty else {
            warn("error: no images to label")
            throw ExitCode(ExitStatus.nothingRan)
        }
        // Every output is planned, and checked against every input, before anything is written.
        ProtectedInputs.shared.protect(all.map(\.path) + [output.font])
        for folder in [output.groundTruth, resolved.replayFolder].compactMap({ $0 }) { ProtectedInputs.shared.protect(folder: folder) }
        ProtectedInputs.shared.protect(
            resolved.inputFiles(itemIDs: all.map(\.itemID), groundTruth: output.groundTruth))
        var plan = try LabelJob.plan(all, output: output, engineOutputs: resolved.engineOutputs)
        for path in exports.paths(in: out) { try plan.add(path, for: "the exports") }
        try plan.check()
        let exportRoot = exports.root(for: all.map(\.path))
        if !exports.formats.isEmpty { _ = try ExportOptions.relativePaths(all.map(\.path), root: exportRoot) }
        // The engine (and its weights) only once the inputs and outputs are known to be sound.
        let segmenter = try resolved.segmenter(groundTruth: output.groundTruth)
        if output.resume {
            let removed = AtomicFile.removeLeftovers(in: out)
            if removed > 0 { warn("resume: removed \(removed) temporary files left by an interrupted run") }
        }
        let inputs =
            output.resume
            ? try all.filter { !FileManager.default.fileExists(atPath: try $0.output(in: out, suffix: output.format.suffix)) } : all
        if output.resume && inputs.count < all.count { warn("resume: \(all.count - inputs.count) images already labeled") }
        let progress = ProgressLine(verb: "label", total: inputs.count, quiet: output.quiet)
        let job = LabelJob(
            segmenter: segmenter, writer: writer, renderer: output.overlay ? renderer : nil, out: out, descriptors: output.descriptors,
            format: output.format, maskPerClass: output.maskPerClass, scores: output.saveScores, maxPixels: resolved.maxPixels,
            progress: progress, json: output.json)
        if let scores = output.saveScores { try FileManager.default.createDirectory(atPath: scores, withIntermediateDirectories: true) }
        let jobs = resolved.jobs
        let ran = await Interruption.result { try await job.run(inputs, jobs: jobs) }
        progress.end()
        await segmenter.engine.shutdown()
        let outcome = try Interruption.value(of: ran, interrupted: "interrupted; run the same command with --resume to label the rest")
        let failures = outcome.failures
        // Every image labeled by now, this run's and earlier ones' (--resume), goes into the exports.
        try exports.write(
            try all.map { ($0.path, try $0.path(in: out, suffix: output.format.suffix)) }, scores: outcome.scores, root: exportRoot,
            out: out,
            vocabulary: resolved.vocabulary,
            modelVersion: "text4seg \(Text4Seg.configuration.version): \(segmenter.engine.name), refine \(segmenter.refiner.name), "
                + "vocabulary \(resolved.vocabulary.name) \(resolved.vocabulary.contentHash)")
        // Errors that name their file already are not prefixed with it again.
        for (path, reason) in failures { warn(reason.hasPrefix(path + ":") ? "error: \(reason)" : "error: \(path): \(reason)") }
        if failures.count == inputs.count && !inputs.isEmpty {
            warn(inputs.count == 1 ? "the image failed; nothing was written" : "all \(inputs.count) images failed; nothing was written")
            throw ExitCode(ExitStatus.someFailed)
        }
        if !failures.isEmpty {
            warn("\(failures.count) of \(inputs.count) images failed; the others were written")
            throw ExitCode(ExitStatus.someFailed)
        }
    }
}
