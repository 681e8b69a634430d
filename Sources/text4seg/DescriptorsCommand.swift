import ArgumentParser
import Foundation
import Text4SegCore

struct Descriptors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert between label maps and Text4Seg descriptor text.",
        subcommands: [Encode.self, Decode.self, Stats.self])

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Label map PNG → descriptor text (Text4Seg's training-target format).")

        @Argument(help: "Label map PNG (palette or gray).")
        var labelMap: String

        @OptionGroup var vocabulary: VocabularyChoice

        @Option(help: "Grid size G (\(Limits.grid.lowerBound)–\(Limits.grid.upperBound)).")
        var grid: Int = 24

        @Option(help: "nearest (Text4Seg's targets) or majority.")
        var sampling: GridSampling = .nearest

        @Option(help: "rrle (row-wise run-length, default) or full.")
        var format: DescriptorFormat = .rrle

        @Flag(help: "Wrap the descriptor as a model answer: a sentence, then <seg>…</seg>.")
        var answer = false

        @Option(help: "Write here instead of standard output.")
        var out: String?

        func validate() throws {
            try checkRange(grid, Limits.grid, "--grid")
        }

        func run() throws {
            try OutputPlan.guarding(inputs: [labelMap] + [self.vocabulary.vocab].compactMap { $0 }, outputs: [(out, "the descriptors")])
            let vocabulary = try self.vocabulary.load()
            let map = try ImageIO.readLabelMap(labelMap)
            let stray = map.valueCounts().filter { vocabulary.class(id: $0.key) == nil && $0.key != vocabulary.ignoreValue }
            if !stray.isEmpty {
                let listed = stray.sorted { $0.key < $1.key }.prefix(8).map { "\($0.key) (\($0.value) px)" }.joined(separator: ", ")
                warn(
                    "warning: \(labelMap): label values not in vocabulary \(vocabulary.name): "
                        + "\(listed)\(stray.count > 8 ? ", …" : ""); their cells are written as others"
                )
            }
            let cells = map.downsample(
                rows: grid, cols: grid, rule: sampling, ignoreValue: vocabulary.ignoreValue, othersValue: vocabulary.othersValue)
            var text = DescriptorEncoder.encode(cells, vocabulary: vocabulary, format: format)
            if answer { text = DescriptorEncoder.answer(text) }
            if let out { try AtomicFile.write(text, to: out) } else { print(text, terminator: "") }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Descriptor text (or a whole model answer) → label map PNG.",
            discussion: "Repairs (cut-off answers, unknown labels, ragged rows) are printed as warnings; with --strict they are errors.")

        @Argument(help: "Text file with the descriptors, '-' for standard input.")
        var file: String

        @OptionGroup var vocabulary: VocabularyChoice

        @Option(help: "Grid size G (\(Limits.grid.lowerBound)–\(Limits.grid.upperBound)).")
        var grid: Int = 24

        @Option(help: "Output size WxH (the image's size; each side \(Limits.side.lowerBound)–\(Limits.side.upperBound)).")
        var size: ImageSize

        @Option(
            help:
                ArgumentHelp(
                    "Nearest upsampling goes through an N×N view first, as the reference does "
                        + "(\(Limits.view.lowerBound)–\(Limits.view.upperBound)).")
        )
        var view: Int = PromptBuilder.defaultViewSize

        @Option(help: "Largest output accepted, in pixels.")
        var maxPixels: Int = Limits.defaultMaxPixels

        @Option(help: "Output PNG.")
        var out: String

        @Flag(help: "Fail instead of repairing.")
        var strict = false

        func validate() throws {
            try checkRange(grid, Limits.grid, "--grid")
            try checkRange(view, Limits.view, "--view")
            guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
            guard size.pixels <= maxPixels else {
                throw ValidationError("--size \(size) is \(size.pixels) pixels, more than --max-pixels \(maxPixels)")
            }
        }

        func run() throws {
            try OutputPlan.guarding(
                inputs: [file, self.vocabulary.vocab].compactMap { $0 }.filter { $0 != "-" }, outputs: [(out, "the label map")])
            let vocabulary = try self.vocabulary.load()
            let text =
                file == "-"
                ? try TextFile.decode(FileHandle.standardInput.readDataToEndOfFile(), path: "standard input")
                : try TextFile.read(file)
            let decoded = try DescriptorDecoder.decode(text, vocabulary: vocabulary, rows: grid, cols: grid, strict: strict)
            for repair in decoded.repairs { warn("warning: \(file): \(repair)") }
            let canvas = RGBImage(width: size.width, height: size.height)
            let map = try NearestRefiner().refine(RefinementInput(grid: decoded.grid, image: canvas, viewSize: view))
            try LabelMapWriter(vocabulary: vocabulary).writeLabelMap(map, to: out)
        }
    }
}
