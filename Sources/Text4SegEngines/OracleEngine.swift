import Foundation
import Text4SegCore

/// A ceiling engine: describes each image from its ground truth, the way
/// Text4Seg made its training targets, and answers in Text4Seg's text format
/// so that the result goes through the same decode path as a real model's.
///
/// The ground truth comes from the evaluation (``DescriptorRequest/groundTruth``)
/// or, when labeling, from `labelsFolder/<item id>.png`.
public struct OracleEngine: Engine {
    public var sampling: GridSampling
    public var labelsFolder: String?
    public var format: DescriptorFormat

    public init(sampling: GridSampling = .nearest, labelsFolder: String? = nil, format: DescriptorFormat = .rrle) {
        self.sampling = sampling
        self.labelsFolder = labelsFolder
        self.format = format
    }

    public var name: String { "oracle" }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let start = Date()
        let truth: LabelMap
        if let given = request.groundTruth {
            truth = given
        } else if let folder = labelsFolder {
            truth = try ImageIO.readLabelMap(try ConfinedPath.join(folder, request.itemID, extension: "png"))
        } else {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "no ground truth: pass --ground-truth DIR")
        }
        let vocabulary = request.vocabulary
        let grid = truth.downsample(
            rows: request.prompt.grid, cols: request.prompt.grid, rule: sampling,
            ignoreValue: vocabulary.ignoreValue, othersValue: vocabulary.othersValue)
        let text = DescriptorEncoder.answer(DescriptorEncoder.encode(grid, vocabulary: vocabulary, format: format))
        return EngineOutput(text: text, seconds: Date().timeIntervalSince(start))
    }
}
