import ArgumentParser
import Foundation
import Text4SegCore

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure mIoU on a dataset (VOCdevkit layout, or images/ + labels/).",
        discussion: """
            Protocols: mmseg (default; mmsegmentation's IoUMetric: ignore 255, classes with no ground truth \
            and no prediction skipped) and text4seg (the Text4Seg repository's evaluator: bin 0 counts as a class). \
            An item that fails (corrupt image, label map of the wrong size, engine error) is listed in the report \
            and the run goes on. With --report, finished items are journalled to REPORT.journal; --resume \
            continues an interrupted run without redoing them (and refuses changed settings). \
            Exit status: 0 all evaluated, 1 some items failed, 2 nothing could run, 64 bad usage, 130 interrupted.
            """)

    @OptionGroup(title: "Dataset") var data: EvalDataset
    @OptionGroup(title: "Evaluation") var scoring: EvalScoring
    @OptionGroup(title: "Output") var output: EvalOutput
    @OptionGroup var pipeline: PipelineOptions

    var dataset: String { data.dataset }
    var split: String { data.split }
    var limit: Int? { data.limit }
    var evaluationProtocol: EvaluationProtocol { scoring.evaluationProtocol }
    var reduceZeroLabel: Bool { scoring.reduceZeroLabel }
    var report: String? { output.report }
    var resume: Bool { output.resume }
    var out: String? { output.out }
    var verbose: Bool { output.verbose }

    func validate() throws {
        if reduceZeroLabel && evaluationProtocol == .text4seg {
            throw ValidationError("--reduce-zero-label applies to the mmseg protocol only")
        }
        if resume && report == nil {
            throw ValidationError("--resume needs --report (the journal lives beside the report)")
        }
    }

    func run() async throws {
        let resolved = try pipeline.resolved()
        let listing = try Dataset.list(at: dataset, split: split)
        for (id, count) in listing.duplicates.prefix(20) {
            warn("warning: \(dataset): id \(id) is listed \(count) times; it is evaluated once")
        }
        if listing.duplicates.count > 20 {
            warn("warning: \(dataset): \(listing.duplicates.count - 20) more ids are listed more than once")
        }
        var items = listing.items
        if let limit { items = Array(items.prefix(max(0, limit))) }
        guard !items.isEmpty else {
            warn("error: \(dataset): the dataset lists no items (split '\(split)'); nothing to evaluate")
            throw ExitCode(ExitStatus.nothingRan)
        }
        var journal: EvaluationJournal?
        var finished: [String: ItemRecord] = [:]
        let fingerprint = resolved.fingerprint(dataset: dataset, split: split)
        if let report {
            (journal, finished) = try EvaluationJournal.open(path: report + ".journal", fingerprint: fingerprint, resume: resume)
        }
        let segmenter = try resolved.segmenter(groundTruth: nil)
        let verbose = self.verbose
        var runner = EvaluationRunner(segmenter: segmenter, jobs: resolved.jobs, outputFolder: out, writeDescriptors: out != nil) {
            id, failure in
            if let failure { warn("failed: \(id): \(failure)") } else if verbose { warn("done: \(id)") }
        }
        runner.maxPixels = resolved.maxPixels
        if resume {
            // A killed run can leave half-written temporary files beside its outputs.
            var removed = 0
            for folder in [out, report.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }].compactMap({ $0 }) {
                removed += AtomicFile.removeLeftovers(in: folder)
            }
            if removed > 0 { warn("resume: removed \(removed) temporary files left by an interrupted run") }
        }
        let outcome: EvaluationRunner.Outcome
        do {
            let (pending, done) = (items, finished)
            let openJournal = journal, runner = runner
            outcome = try await Interruption.cancellable { try await runner.run(pending, journal: openJournal, finished: done) }
        } catch is CancellationError {
            await journal?.close()
            await segmenter.engine.shutdown()
            warn(
                report == nil
                    ? "interrupted; nothing was journalled (use --report to be able to resume)"
                    : "interrupted; run the same command with --resume to finish the rest")
            throw ExitCode(ExitStatus.interrupted)
        } catch {
            await journal?.close()
            await segmenter.engine.shutdown()
            throw error
        }
        await journal?.close()
        await segmenter.engine.shutdown()
        if outcome.resumed > 0 { warn("resumed: \(outcome.resumed) items taken from the journal") }
        let metrics = outcome.matrix.metrics(evaluationProtocol, reduceZeroLabel: reduceZeroLabel)
        var result = EvaluationReport(
            metrics: metrics, outcome: outcome, vocabulary: resolved.vocabulary,
            engine: segmenter.engine.name, grid: resolved.prompt.grid, refiner: segmenter.refiner.name)
        result.settings = fingerprint.settings
        result.settings["protocol"] = evaluationProtocol.rawValue
        result.settings["reduce_zero_label"] = "\(reduceZeroLabel)"
        result.tool = Text4Seg.configuration.version
        result.date = ISO8601DateFormatter().string(from: Date())
        if let report { try AtomicFile.write(try result.json(), to: report) }
        if outcome.evaluated == 0 {
            // No score at all: say so rather than print a table of zeros.
            warn("error: none of the \(items.count) items could be evaluated (reasons above\(report.map { " and in \($0)" } ?? ""))")
            throw ExitCode(ExitStatus.someFailed)
        }
        print(result.table())
        if !outcome.failed.isEmpty {
            warn("\(outcome.failed.count) of \(items.count) items failed; the scores cover the other \(outcome.evaluated)")
            throw ExitCode(ExitStatus.someFailed)
        }
    }
}

/// Which items `eval` reads.
struct EvalDataset: ParsableArguments {
    @Option(help: "Dataset folder: a VOCdevkit, or images/ + labels/ (+ ids.txt).")
    var dataset: String

    @Option(help: "Image list name for the VOCdevkit layout (ImageSets/Segmentation/<split>.txt).")
    var split: String = "val"

    @Option(help: "Evaluate only the first N items.")
    var limit: Int?
}

/// How `eval` scores.
struct EvalScoring: ParsableArguments {
    @Option(name: .customLong("protocol"), help: "mmseg (mmsegmentation's IoUMetric) or text4seg (the Text4Seg repository's evaluator).")
    var evaluationProtocol: EvaluationProtocol = .mmseg

    @Flag(help: "mmseg only: drop class 0 (VOC-20 / Context-59 convention).")
    var reduceZeroLabel = false
}

/// What `eval` writes.
struct EvalOutput: ParsableArguments {
    @Option(help: "Write a JSON report here (and journal finished items to REPORT.journal).")
    var report: String?

    @Flag(help: "Continue an interrupted evaluation from REPORT.journal.")
    var resume = false

    @Option(help: "Also write each prediction as a palette PNG into this folder.")
    var out: String?

    @Flag(help: "Print each item as it finishes.")
    var verbose = false
}
