import Foundation
import Text4SegCore
import Text4SegReports

/// The work of `text4seg refer`: each expression asked of its image, and its mask, answer and
/// overlay written atomically into the output folder.
struct ReferJob: Sendable {
    var out: String
    var overlay: Bool
    /// oracle: a mask file for every expression, or a folder of `<id>.png`.
    var groundTruth: String?
    var maxPixels: Int

    /// The files one expression writes.
    func outputs(_ id: String) throws -> [String] {
        try ["png", "json", "txt"].map { try ConfinedPath.join(out, id, extension: $0) }
            + (overlay ? [try ConfinedPath.join(out, id, extension: "overlay.png")] : [])
    }

    /// Checks every output against every input (images, ground truth, `inputs`) before anything is written.
    func plan(_ queries: [ReferQuery], inputs: [String]) throws {
        ProtectedInputs.shared.protect(queries.map(\.image) + inputs)
        if let groundTruth {
            if PathKind.of(groundTruth) == .folder {
                ProtectedInputs.shared.protect(folder: groundTruth)
            } else {
                ProtectedInputs.shared.protect([groundTruth])
            }
        }
        var plan = OutputPlan()
        for query in queries {
            for path in try outputs(query.id) { try plan.add(path, for: query.image) }
        }
        try plan.check()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    }

    /// The ground truth of `query` for the oracle: 1 wherever the mask is non-zero.
    func truth(_ query: ReferQuery) throws -> LabelMap? {
        guard let groundTruth else { return nil }
        let path = PathKind.of(groundTruth) == .folder ? try ConfinedPath.join(groundTruth, query.id, extension: "png") : groundTruth
        var mask = try ImageIO.readLabelMap(path, maxPixels: maxPixels)
        for i in mask.values.indices where mask.values[i] != 0 { mask.values[i] = 1 }
        return mask
    }

    func answer(_ query: ReferQuery, segmenter: Segmenter, font: Font?) async throws -> ReferAnswer {
        let image = try ImageIO.readImage(query.image, maxPixels: maxPixels)
        let truth = try truth(query)
        if let truth, truth.width != image.width || truth.height != image.height {
            throw ImageError.sizeMismatch(
                path: groundTruth ?? "", expected: "\(image.width)×\(image.height)", found: "\(truth.width)×\(truth.height)")
        }
        let asked = segmenter.referring(query.expression, itemID: query.id)
        let result = try await asked.segment(itemID: query.id, image: image, groundTruth: truth)
        let mask = result.labelMap
        let answer = ReferAnswer(
            query: query, question: asked.prompt.question, mask: mask, engine: segmenter.engine.name, answer: result.answer,
            repairs: result.repairs.map { "\($0)" })
        let paths = try outputs(query.id)
        try AtomicFile.write(
            try PNGCodec.encodeGray(mask.values.map { $0 != 0 ? 255 : 0 }, width: mask.width, height: mask.height), to: paths[0])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(answer), to: paths[1])
        try AtomicFile.write(result.answer ?? "", to: paths[2])
        if overlay {
            let picture = ReferOverlay(font: font).render(mask, on: image, expression: query.expression)
            try AtomicFile.write(try PNGCodec.encodeRGB(picture), to: paths[3])
        }
        return answer
    }

    /// One line for people: the id, the box and the area, or that nothing was found.
    func line(_ answer: ReferAnswer) -> String {
        let found = answer.box.map { "box \($0), \(answer.area) px" } ?? "not found (empty mask)"
        return "\(answer.id): '\(answer.expression)': \(found) → \(out)/\(answer.id).png"
    }

    func jsonLine(_ answer: ReferAnswer) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(answer), as: UTF8.self)
    }
}
