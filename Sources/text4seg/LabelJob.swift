import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

/// What `label` does to each image: segment it, write its label map (and overlay,
/// descriptors, scores), and print what it found.
struct LabelJob: Sendable {
    var segmenter: Segmenter
    var writer: LabelMapWriter
    var renderer: OverlayRenderer?
    var out: String
    var descriptors: Bool
    var format: LabelMapFormat = .png
    var maskPerClass = false
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
            var paths = [try input.path(in: output.out, suffix: output.format.suffix)]
            if output.maskPerClass { paths.append(try input.path(in: output.out, suffix: ".masks")) }
            if output.overlay { paths.append(try input.path(in: output.out, suffix: ".overlay.png")) }
            if output.descriptors { paths.append(try input.path(in: output.out, suffix: ".txt")) }
            if let scores = output.saveScores {
                paths += [try input.path(in: scores, suffix: ".npy"), try input.path(in: scores, suffix: ".json")]
            }
            for path in paths + engineOutputs(input.itemID) { try plan.add(path, for: input.path) }
        }
        return plan
    }

    /// What a run did: the failed inputs with their reasons, and each labeled input's class
    /// scores where the engine has scores (for the exports).
    struct Outcome: Sendable {
        var failures: [(String, String)] = []
        var scores: [String: [Int: Double]] = [:]
    }

    /// Labels every input, `jobs` at a time.
    func run(_ inputs: [LabelInput], jobs: Int) async throws -> Outcome {
        var failures: [(String, String)] = []
        var scores: [String: [Int: Double]] = [:]
        // As in eval: first images that all fail with one configuration error stop the run.
        var probe = ConfigurationProbe(items: inputs.count)
        // Lines are printed in the order of the inputs, whatever order the images finish in.
        var lines = InputOrderLines(count: inputs.count)
        let numbered = inputs.enumerated().map { Numbered(index: $0.offset, input: $0.element) }
        try await BoundedConcurrency.forEach(numbered, limit: jobs) { item -> Result<[ClassShare], LabelFailure> in
            do {
                return .success(try await label(item.input))
            } catch {
                return .failure(LabelFailure(message: "\(error)", configuration: ConfigurationProbe.message(of: error)))
            }
        } handle: { item, outcome in
            let input = item.input
            if case let .failure(failure) = outcome { try probe.record(failure.configuration) } else { try probe.record(nil) }
            let line: String?
            var failed = false
            switch outcome {
            case let .failure(failure):
                failed = true
                failures.append((input.path, failure.message))
                line = json ? try jsonLine(LabelLine(image: input.path, error: failure.message)) : nil
            case let .success(shares):
                let scored = shares.compactMap { share in share.score.map { (share.id, $0) } }
                if !scored.isEmpty { scores[input.path] = Dictionary(scored, uniquingKeysWith: { a, _ in a }) }
                let map = try input.output(in: out, suffix: format.suffix)
                if json {
                    line = try jsonLine(
                        LabelLine(
                            image: input.path, labelMap: map,
                            overlay: renderer != nil ? try input.output(in: out, suffix: ".overlay.png") : nil,
                            descriptors: descriptors ? try input.output(in: out, suffix: ".txt") : nil,
                            scores: try self.scores.map { try input.output(in: $0, suffix: ".npy") }, classes: shares))
                } else {
                    line = "\(input.path) -> \(map): \(shares.map(\.description).joined(separator: ", "))"
                }
            }
            let ready = lines.finished(item.index, line)
            if !ready.isEmpty {
                progress.clear()
                for text in ready { json ? print(text) : printEscaped(text) }
            }
            progress.finished(failed: failed, retries: 0)
        }
        return Outcome(failures: failures, scores: scores)
    }

    func jsonLine(_ line: LabelLine) throws -> String { String(decoding: try JSONEncoder.sortedKeys.encode(line), as: UTF8.self) }

    /// An input and its place among the inputs.
    struct Numbered: Sendable {
        var index: Int
        var input: LabelInput
    }

    /// Labels one image and writes its outputs; returns the classes found.
    func label(_ input: LabelInput) async throws -> [ClassShare] {
        let image = try ImageIO.readImage(input.path, maxPixels: maxPixels)
        let result = try await segmenter.segment(itemID: input.itemID, image: image)
        switch format {
        case .png: try writer.writeLabelMap(result.labelMap, to: try input.output(in: out, suffix: format.suffix))
        case .npy: try AtomicFile.write(LabelMapNPY.encode(result.labelMap), to: try input.output(in: out, suffix: format.suffix))
        }
        if maskPerClass {
            let folder = try input.output(in: out, suffix: ".masks")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, png) in try writer.classMasks(result.labelMap) { try AtomicFile.write(png, to: folder + "/" + name) }
        }
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
        let shares = ClassShare.shares(of: result.labelMap, vocabulary: segmenter.vocabulary)
        guard let maps = result.engineOutput.scores else { return shares }
        return ClassShare.scored(shares, grid: result.grid, scores: maps)
    }
}
