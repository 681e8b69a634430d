import ArgumentParser
import Foundation
import Text4SegCore

struct Label: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label images: one palette PNG per image, plus overlays and descriptors on request.",
        discussion: "An image that cannot be read or described is reported and skipped; the others are still written. The exit status is 1 when any image failed.")

    @Argument(help: "Image files (JPEG or PNG).")
    var images: [String]

    @OptionGroup var pipeline: PipelineOptions

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Folder of ground-truth label maps <stem>.png, for --engine oracle.")
    var groundTruth: String?

    @Flag(help: "Also write <stem>.overlay.png: the image blended with the label colours.")
    var overlay = false

    @Flag(help: "Also write <stem>.txt: the engine's answer with its <seg> descriptors.")
    var descriptors = false

    @Option(help: "Images processed at once.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        let resolved = try pipeline.resolved()
        let segmenter = try resolved.segmenter(groundTruth: groundTruth)
        let writer = LabelMapWriter(vocabulary: resolved.vocabulary)
        let out = self.out, overlay = self.overlay, descriptors = self.descriptors
        let failures = try await withThrowingTaskGroup(of: (String, String?).self) { group in
            var next = 0
            var failures: [(String, String)] = []
            func launch() {
                let path = images[next]
                next += 1
                group.addTask {
                    let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                    do {
                        let image = try ImageIO.readImage(path)
                        let result = try await segmenter.segment(itemID: stem, image: image)
                        try writer.writeLabelMap(result.labelMap, to: "\(out)/\(stem).png")
                        if overlay { try writer.writeOverlay(result.labelMap, on: image, to: "\(out)/\(stem).overlay.png") }
                        if descriptors, let answer = result.answer { try AtomicFile.write(answer, to: "\(out)/\(stem).txt") }
                        for repair in result.repairs { warn("warning: \(path): \(repair)") }
                        return (path, nil)
                    } catch {
                        return (path, "\(error)")
                    }
                }
            }
            while next < images.count && next < max(1, jobs) { launch() }
            while let (path, failure) = try await group.next() {
                if let failure { failures.append((path, failure)) } else { print("\(path) -> \(out)/\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent).png") }
                if next < images.count { launch() }
            }
            return failures
        }
        for (path, reason) in failures { warn("error: \(path): \(reason)") }
        if !failures.isEmpty {
            warn("\(failures.count) of \(images.count) images failed")
            throw ExitCode(1)
        }
    }
}
