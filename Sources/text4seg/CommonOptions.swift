import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegEngines

/// Options shared by `label` and `eval`.
struct PipelineOptions: ParsableArguments {
    @Option(help: "Vocabulary: a built-in name (pascal-voc, pascal-context-59, coco-stuff-171, ade20k-150) or a YAML path.")
    var vocab: String = "pascal-voc"

    @Option(help: "Config YAML (see Configs/); flags override it.")
    var config: String?

    @Option(help: "Engine: oracle (from ground truth) or replay (recorded answers).")
    var engine: String?

    @Option(help: "Descriptor grid size G (G×G patches): 16, 24 or 32 for Text4Seg checkpoints.")
    var grid: Int?

    @Option(help: "Engine view size: the image is stretched to N×N.")
    var view: Int?

    @Option(help: "Oracle grid rule: nearest (Text4Seg's targets) or majority.")
    var sampling: GridSampling?

    @Option(help: "Upsampling/refinement: nearest (Text4Seg's reference).")
    var refine: String?

    @Option(help: "Draw the question template with this seed instead of using the first one.")
    var templateSeed: UInt64?

    @Option(name: .customLong("replay"), help: "Folder of recorded answers <id>.txt, for --engine replay.")
    var replayFolder: String?

    @Flag(help: "Treat any descriptor repair as an error for that image.")
    var strict = false

    func resolved() throws -> ResolvedPipeline {
        let file = try config.map(ConfigFile.load) ?? ConfigFile()
        let vocabulary = try Vocabulary.load(vocab)
        let grid = self.grid ?? file.grid ?? 24
        let view = self.view ?? file.view ?? 336
        guard (1...512).contains(grid) else { throw ValidationError("--grid must be between 1 and 512") }
        guard (1...4096).contains(view) else { throw ValidationError("--view must be between 1 and 4096") }
        let refineName = refine ?? file.refine ?? "nearest"
        let refiner: any Refiner
        switch refineName {
        case "nearest": refiner = NearestRefiner(viewSize: view)
        default: throw ValidationError("unknown refiner '\(refineName)'; available: nearest")
        }
        let builder = PromptBuilder(vocabulary: vocabulary, templateSeed: templateSeed ?? file.templateSeed, viewSize: view, grid: grid)
        return ResolvedPipeline(
            vocabulary: vocabulary, prompt: builder.build(.condition), refiner: refiner,
            engineName: engine ?? file.engine, sampling: sampling ?? file.sampling ?? .nearest,
            replayFolder: replayFolder ?? file.replay, strict: strict || (file.strict ?? false))
    }
}

struct ResolvedPipeline {
    var vocabulary: Vocabulary
    var prompt: Prompt
    var refiner: any Refiner
    var engineName: String?
    var sampling: GridSampling
    var replayFolder: String?
    var strict: Bool

    func segmenter(groundTruth: String?) throws -> Segmenter {
        guard let engineName else {
            throw ValidationError("choose an engine with --engine (\(EngineFactory.available.joined(separator: ", ")))")
        }
        let engine = try EngineFactory.make(engineName, settings: EngineSettings(sampling: sampling, groundTruthFolder: groundTruth, replayFolder: replayFolder))
        return Segmenter(engine: engine, vocabulary: vocabulary, prompt: prompt, refiner: refiner, strict: strict)
    }
}

extension GridSampling: ExpressibleByArgument {}
extension EvaluationProtocol: ExpressibleByArgument {}
extension DescriptorFormat: ExpressibleByArgument {}

/// Writes to standard error.
func warn(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
