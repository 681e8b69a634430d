import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Measure mIoU on a dataset (PASCAL VOC and Context, COCO-Stuff, ADE20K, or images/ + labels/), "
            + "or cIoU, gIoU and Acc@0.5 on referring expressions (RefCOCO, RefCOCO+, RefCOCOg, gRefCOCO).",
        discussion: """
            Protocols: mmseg (default; mmsegmentation's IoUMetric: ignore 255, classes with no ground truth \
            and no prediction skipped) and text4seg (the Text4Seg repository's evaluator: bin 0 counts as a class). \
            An item that fails (corrupt image, label map of the wrong size, engine error) is listed in the report \
            and the run goes on. With --report, finished items are journaled to REPORT.journal; --resume \
            continues an interrupted run without redoing them (and refuses changed settings). \
            Exit status: 0 all evaluated, 1 some items failed, 2 nothing could run, 64 bad usage, 130 interrupted.

            EXAMPLES:
              # the oracle ceiling of 24×24 descriptors with Text4Seg's own upsampling
              text4seg eval --dataset VOCdevkit --engine oracle --refine nearest

              # a checkpoint behind a server, VOC-20 convention, resumable
              text4seg eval --dataset VOCdevkit --engine openai --base-url http://gpu:8000/v1 \\
                --reduce-zero-label --report voc20.json

              # referring expressions, as the RES papers score them
              text4seg eval --task refer --dataset data/refer_seg --refer-split 'refcoco|unc|val' \\
                --engine openai --base-url http://gpu:8000/v1 --refine nearest --report refcoco-val.json

              # continue it after an interruption
              text4seg eval --dataset VOCdevkit --engine openai --base-url http://gpu:8000/v1 \\
                --reduce-zero-label --report voc20.json --resume
            """)

    @OptionGroup(title: "Dataset") var data: EvalDataset
    @OptionGroup(title: "Evaluation") var scoring: EvalScoring
    @OptionGroup(title: "Output") var output: EvalOutput
    @OptionGroup(title: "Export") var exports: ExportOptions
    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        if scoring.reduceZeroLabel == true && scoring.evaluationProtocol == .text4seg {
            throw ValidationError("--reduce-zero-label applies to the mmseg protocol only")
        }
        if output.resume && output.report == nil {
            throw ValidationError("--resume needs --report (the journal lives beside the report)")
        }
        if !exports.export.isEmpty && output.out == nil { throw ValidationError("--export writes beside the predictions: give --out") }
        if data.selection.asksForReferring {
            // Each expression brings its own vocabulary and its own scores: these would be ignored.
            let ignored = [
                (pipeline.engineOptions.vocab != nil, "--vocab"), (!pipeline.engineOptions.classes.isEmpty, "--classes"),
                (scoring.evaluationProtocol != nil, "--protocol"), (scoring.reduceZeroLabel != nil, "--[no-]reduce-zero-label"),
                (data.selection.labelsSuffix != nil, "--labels-suffix"), (!exports.export.isEmpty, "--export"),
            ].filter(\.0).map(\.1)
            if !ignored.isEmpty {
                throw ValidationError(
                    "\(ignored.joined(separator: ", ")) do not apply to --task refer (each expression is its own vocabulary)")
            }
        }
    }

    func run() async throws {
        let plan = try plan()
        // The page's gallery shows predictions: keep them for the run when --out does not, in a
        // private folder of its own (mkdtemp: no name planted beforehand can redirect them).
        let predictions =
            output.page.html != nil && output.out == nil ? try TemporaryFolder.make(prefix: "text4seg-predictions-") : output.out
        defer { if predictions != output.out, let predictions { try? FileManager.default.removeItem(atPath: predictions) } }
        let (outcome, engine) = try await evaluate(plan, predictions: predictions)
        try report(outcome, engine: engine, of: plan, predictions: predictions)
    }

    /// Reads the config and the dataset once, settles every setting, says what was assumed, and
    /// checks every output against every input, before anything is written.
    func plan() throws -> EvalPlan {
        let file = try pipeline.configFile()
        let dataset = data.selection.dataset
        let listing = try data.selection.list(config: file)
        let layout = listing.layout
        var resolved = try pipeline.resolved(file, defaultVocabulary: layout.vocabulary)
        if layout == .refer { resolved.settleReferring() }
        let evaluationProtocol = scoring.evaluationProtocol ?? file.evaluationProtocol ?? .mmseg
        let reduceZeroLabel =
            scoring.reduceZeroLabel ?? file.reduceZeroLabel ?? (evaluationProtocol == .mmseg && layout.reduceZeroLabel)
        if reduceZeroLabel && evaluationProtocol == .text4seg {
            throw ConfigError("reduce_zero_label applies to the mmseg protocol only")
        }
        try resolved.settleCLIP(othersIgnored: reduceZeroLabel)
        for (id, count) in listing.duplicates.prefix(20) {
            warn("warning: \(dataset): id \(id) is listed \(count) times; it is evaluated once")
        }
        if listing.duplicates.count > 20 {
            warn("warning: \(dataset): \(listing.duplicates.count - 20) more ids are listed more than once")
        }
        let split = data.limit.map { Array(listing.items.prefix(max(0, $0))) } ?? listing.items
        let items = data.shard?.select(split) ?? split
        guard !items.isEmpty else {
            warn(
                "error: \(dataset): the dataset lists no items (split '\(listing.split)'\(data.shard.map { ", shard \($0)" } ?? "")); nothing to evaluate"
            )
            throw ExitCode(ExitStatus.nothingRan)
        }
        if !output.quiet {
            warn(
                Eval.summary(
                    listing: listing, items: items.count, shard: data.shard, vocabulary: resolved.vocabularySource,
                    vocabularyFromLayout: !resolved.vocabularyGiven && layout.vocabulary != nil,
                    evaluationProtocol: evaluationProtocol, reduceZeroLabel: reduceZeroLabel,
                    reduceFromLayout: scoring.reduceZeroLabel == nil && file.reduceZeroLabel == nil))
        }
        ProtectedInputs.shared.protect(folder: listing.root)
        var outputs = try OutputPlan.guarding(
            inputs: items.flatMap { [$0.imagePath, $0.labelPath] }
                + resolved.inputFiles(itemIDs: items.map(\.id), groundTruth: nil),
            outputs: [
                (output.report, "the report"), (output.report.map { $0 + ".journal" }, "the journal"), (output.tables.csv, "the CSV table"),
                (output.tables.markdown, "the Markdown table"), (output.page.html, "the HTML page"),
            ])
        for item in items {
            var paths = resolved.engineOutputs(itemID: item.id)
            if let out = output.out {
                paths += [try ConfinedPath.join(out, item.id, extension: "png"), try ConfinedPath.join(out, item.id, extension: "txt")]
            }
            for path in paths { try outputs.add(path, for: item.imagePath) }
        }
        if let out = output.out {
            for path in exports.paths(in: out, shard: data.shard) { try outputs.add(path, for: "the exports") }
            if !exports.formats.isEmpty {
                _ = try ExportOptions.relativePaths(items.map(\.imagePath), root: exports.root(for: split.map(\.imagePath)))
            }
        }
        try outputs.check()
        return EvalPlan(
            dataset: dataset, listing: listing, resolved: resolved, evaluationProtocol: evaluationProtocol,
            reduceZeroLabel: reduceZeroLabel, split: split, items: items,
            fingerprint: resolved.fingerprint(
                dataset: dataset, listing: listing, labelsSuffix: data.selection.labelsSuffix ?? file.labelsSuffix, shard: data.shard))
    }

    /// Runs the plan's items not already finished (journal or report), journaling each, and
    /// closes the progress line, the journal and the engine however the run ends. Returns the
    /// outcome and the engine's name.
    func evaluate(_ plan: EvalPlan, predictions: String?) async throws -> (EvaluationRunner.Outcome, String) {
        var journal: EvaluationJournal?
        var resumed = EvaluationJournal.Resumed()
        if let report = output.report {
            (journal, resumed) = try EvaluationJournal.open(
                path: report + ".journal", fingerprint: plan.fingerprint, resume: output.resume, report: report)
        }
        var withNotices = plan.resolved
        withNotices.openAI.notice = { message in warn(message) }
        let segmenter = try withNotices.segmenter(groundTruth: nil)
        if let predictions { try FileManager.default.createDirectory(atPath: predictions, withIntermediateDirectories: true) }
        let finished = resumed.finished
        let progress = ProgressLine(verb: "eval", total: plan.items.count, quiet: output.quiet)
        progress.resumed(plan.items.filter { finished[$0.id] != nil }.count)
        let verbose = output.verbose
        var runner = EvaluationRunner(
            segmenter: segmenter, jobs: plan.resolved.jobs, outputFolder: predictions, writeDescriptors: output.out != nil
        ) { record in
            if let failure = record.failed {
                progress.say("failed: \(record.id): \(failure)")
            } else if verbose {
                progress.say("done: \(record.id)")
            }
            progress.finished(failed: record.failed != nil, retries: record.retries)
        }
        runner.maxPixels = plan.resolved.maxPixels
        if output.resume { removeLeftovers() }
        let (items, openJournal, ready) = (plan.items, journal, runner)
        let ran = await Interruption.result { try await ready.run(items, journal: openJournal, finished: finished) }
        progress.end()
        await journal?.close()
        await segmenter.engine.shutdown()
        let outcome = try Interruption.value(
            of: ran,
            interrupted: output.report == nil
                ? "interrupted; nothing was journaled (use --report to be able to resume)"
                : "interrupted; run the same command with --resume to finish the rest")
        if outcome.resumed > 0, let source = resumed.source { warn("resumed: \(outcome.resumed) items taken from \(source)") }
        return (outcome, segmenter.engine.name)
    }

    /// A killed run can leave half-written temporary files beside its outputs.
    func removeLeftovers() {
        let folders = [output.out, output.report.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }]
        let removed = folders.compactMap { $0 }.reduce(0) { $0 + AtomicFile.removeLeftovers(in: $1) }
        if removed > 0 { warn("resume: removed \(removed) temporary files left by an interrupted run") }
    }

    /// Scores the outcome, writes the report, tables and page, prints the table, and ends with
    /// the exit status the outcome calls for.
    func report(_ outcome: EvaluationRunner.Outcome, engine: String, of plan: EvalPlan, predictions: String?) throws {
        let result = plan.report(outcome, engine: engine, tool: Text4Seg.configuration.version, shard: data.shard)
        if let report = output.report {
            try AtomicFile.write(try result.json(), to: report)
            // The journal is there to resume: once the report is whole it goes, unless failed items remain to retry.
            if outcome.failed.isEmpty {
                try? FileManager.default.removeItem(atPath: report + ".journal")
            } else {
                warn("\(report).journal is kept: --resume runs the \(outcome.failed.count) failed items again")
            }
        }
        try output.tables.write(result)
        try output.page.write(result, vocabulary: plan.resolved.vocabulary, predictions: predictions)
        if let out = output.out {
            // The root from the whole split, so that every shard names its images alike.
            try exports.write(
                try plan.items.map { ($0.imagePath, try ConfinedPath.join(out, $0.id, extension: "png")) },
                root: exports.root(for: plan.split.map(\.imagePath)), out: out, shard: data.shard, vocabulary: plan.resolved.vocabulary,
                modelVersion: "text4seg \(result.tool): \(engine), refine \(result.refiner), settings \(plan.fingerprint.digest)")
        }
        if outcome.evaluated == 0 {
            // No score at all: say so rather than print a table of zeros.
            warn(
                "error: none of the \(plan.items.count) items could be evaluated (reasons above\(output.report.map { " and in \($0)" } ?? ""))"
            )
            throw ExitCode(ExitStatus.someFailed)
        }
        printEscaped(result.table())
        output.tables.printWorst(result)
        if !outcome.failed.isEmpty {
            warn("\(outcome.failed.count) of \(plan.items.count) items failed; the scores cover the other \(outcome.evaluated)")
            throw ExitCode(ExitStatus.someFailed)
        }
    }

    /// The line that says what was read and what was assumed.
    static func summary(
        listing: Dataset.Listing, items: Int, shard: Shard?, vocabulary: String, vocabularyFromLayout: Bool,
        evaluationProtocol: EvaluationProtocol, reduceZeroLabel: Bool, reduceFromLayout: Bool
    ) -> String {
        let layout = listing.layout
        let unit = layout == .refer ? "expressions" : "items"
        var text = "dataset: \(layout.title) at \(listing.root), split \(listing.split), \(listing.items.count) \(unit)"
        if let shard {
            text += "; shard \(shard): \(items) \(unit)"
        } else if items != listing.items.count {
            text += " (\(items) evaluated)"
        }
        for note in listing.notes { text += "; \(note)" }
        if layout == .refer { return text + "; scored as cIoU, gIoU and Acc@0.5 (Text4Seg's eval_refer_seg.py)" }
        text += "; vocabulary \(vocabulary)\(vocabularyFromLayout ? " (the layout's)" : "")"
        text += "; protocol \(evaluationProtocol.rawValue)"
        if evaluationProtocol == .mmseg {
            text += reduceZeroLabel ? ", label 0 ignored" : ", label 0 scored"
            if reduceFromLayout && layout != .folders {
                text += " (the layout's convention; --\(reduceZeroLabel ? "no-" : "")reduce-zero-label to change)"
            }
        }
        return text
    }
}

/// Which items `eval` reads.
struct EvalDataset: ParsableArguments {
    @OptionGroup var selection: DatasetSelection

    @Option(help: "Evaluate only the first N items.")
    var limit: Int?

    @Option(help: "Evaluate shard I of N (0-based): items I, I+N, I+2N, … of the split; merge the reports with 'eval merge'.")
    var shard: Shard?
}

/// How `eval` scores.
struct EvalScoring: ParsableArguments {
    @Option(
        name: .customLong("protocol"),
        help: "mmseg (mmsegmentation's IoUMetric) or text4seg (the Text4Seg repository's evaluator). (default: mmseg)")
    var evaluationProtocol: EvaluationProtocol?

    @Flag(
        inversion: .prefixedNo,
        help: "mmseg only: ignore label 0 (VOC-20 / Context-59 / ADE-150 convention). (default: the layout's: on for Context and ADE20K)")
    var reduceZeroLabel: Bool?
}

/// What `eval` writes.
struct EvalOutput: ParsableArguments {
    @Option(help: "Write a JSON report here (and journal finished items to REPORT.journal).")
    var report: String?

    @Flag(help: "Skip the items REPORT.journal (or, once it is gone, REPORT) already holds; refused if a setting changed.")
    var resume = false

    @Option(help: "Also write each prediction as a palette PNG into this folder.")
    var out: String?

    @OptionGroup var tables: ReportTables
    @OptionGroup var page: ReportPageOptions

    @Flag(help: "Print each item as it finishes.")
    var verbose = false

    @Flag(help: "No progress line and no summary line.")
    var quiet = false
}
