import ArgumentParser
import Foundation
import Text4SegCore
import Text4SegReports

struct Refer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find one object by a referring expression: its mask, its box and the engine's answer.",
        discussion: """
            The engine is asked Text4Seg's referring question (QUESTION_PARTIAL) about the expression; any label \
            in its answer other than `others` is the object. Per expression, --out gets <stem>_<n>.png (the mask, \
            0 or 255), <stem>_<n>.json (question, box [x1, y1, x2, y2] as Text4Seg's masks_to_boxes, area, \
            answer), <stem>_<n>.txt (the answer) and with --overlay <stem>_<n>.overlay.png (mask, box and the \
            expression). An expression that fails is reported and the others are still written. \
            Exit status: 0 all written, 1 some failed, 2 nothing could run, 64 bad usage.

            EXAMPLES:
              # a Text4Seg checkpoint behind a server
              text4seg refer street.jpg --expression "the man in red" --out found --overlay \\
                --engine openai --base-url http://127.0.0.1:8000/v1

              # several expressions about one image, one per line
              text4seg refer street.jpg --expressions asks.txt --out found

              # a batch: {"image": …, "expression": …} per line
              text4seg refer --expressions batch.jsonl --out found
            """)

    @Argument(help: "The image (JPEG, PNG, WebP or TIFF); leave it out when --expressions is a JSONL batch.")
    var image: String?

    @Option(help: "What to find, e.g. \"the man in red\" (repeatable).")
    var expression: [String] = []

    @Option(help: "A file of expressions about IMAGE, one per line, or without IMAGE a JSONL of {\"image\", \"expression\"} lines.")
    var expressions: String?

    @Option(help: "Output folder.")
    var out: String

    @Flag(help: "Also write <stem>_<n>.overlay.png: the mask tinted on the image, its box, and the expression as a legend.")
    var overlay = false

    @Option(help: "oracle: the ground-truth mask (any non-zero pixel is the object) of IMAGE, or a folder of <stem>_<n>.png.")
    var groundTruth: String?

    @Flag(help: "Print one JSON object per expression instead of a line of text.")
    var json = false

    @OptionGroup var pipeline: PipelineOptions

    func validate() throws {
        if expression.isEmpty && expressions == nil { throw ValidationError("say what to find: --expression TEXT or --expressions FILE") }
        if image == nil && !expression.isEmpty { throw ValidationError("--expression asks about an IMAGE: give one") }
        if image == nil && expressions == nil { throw ValidationError("give an IMAGE, or a JSONL batch with --expressions") }
    }

    func run() async throws {
        // The flags' expressions first, then the file's, numbered together per image.
        let flagged = image.map { image in expression.map { (image: image, expression: $0) } } ?? []
        let queries = try ReferQuery.number(flagged + (try expressions.map { try ReferQuery.pairs(in: $0, image: image) } ?? []))
        var resolved = try pipeline.resolved(try pipeline.configFile())
        resolved.settleReferring()
        try resolved.settleCLIP(othersIgnored: false)
        resolved.openAI.notice = { message in warn(message) }
        let job = ReferJob(out: out, overlay: overlay, groundTruth: groundTruth, maxPixels: resolved.maxPixels)
        try job.plan(queries, inputs: [expressions].compactMap { $0 } + resolved.inputFiles(itemIDs: queries.map(\.id), groundTruth: nil))
        let segmenter = try resolved.segmenter(groundTruth: nil)
        let font = overlay ? try? Font(path: Font.defaultPath) : nil
        var failures = 0
        try await BoundedConcurrency.forEach(queries, limit: resolved.jobs) { query in
            do { return .success(try await job.answer(query, segmenter: segmenter, font: font)) } catch { return .failure(error) }
        } handle: { (query, result: Result<ReferAnswer, any Error>) in
            switch result {
            case let .success(answer):
                printEscaped(json ? try job.jsonLine(answer) : job.line(answer))
            case let .failure(error):
                failures += 1
                warn("error: \(query.id) ('\(query.expression)' in \(query.image)): \(error)")
            }
        }
        await segmenter.engine.shutdown()
        if failures > 0 {
            warn("\(failures) of \(queries.count) expressions failed\(failures < queries.count ? "; the others were written" : "")")
            throw ExitCode(ExitStatus.someFailed)
        }
    }
}
