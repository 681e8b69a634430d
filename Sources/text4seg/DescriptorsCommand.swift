import ArgumentParser
import Foundation
import Text4SegCore

struct Descriptors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert between label maps and Text4Seg descriptor text.",
        subcommands: [Encode.self, Decode.self])

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Label map PNG → descriptor text (Text4Seg's training-target format).")

        @Argument(help: "Label map PNG (palette or grey).")
        var labelMap: String

        @Option(help: "Vocabulary name or YAML path.")
        var vocab: String = "pascal-voc"

        @Option(help: "Grid size G.")
        var grid: Int = 24

        @Option(help: "nearest (Text4Seg's targets) or majority.")
        var sampling: GridSampling = .nearest

        @Option(help: "rrle (row-wise run-length, default) or full.")
        var format: DescriptorFormat = .rrle

        @Flag(help: "Wrap the descriptor as a model answer: a sentence, then <seg>…</seg>.")
        var answer = false

        @Option(help: "Write here instead of standard output.")
        var out: String?

        func run() throws {
            guard grid > 0 else { throw ValidationError("--grid must be positive") }
            let vocabulary = try Vocabulary.load(vocab)
            let map = try ImageIO.readLabelMap(labelMap)
            let cells = map.downsample(rows: grid, cols: grid, rule: sampling, ignoreValue: vocabulary.ignoreValue, othersValue: vocabulary.othersValue)
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

        @Option(help: "Vocabulary name or YAML path.")
        var vocab: String = "pascal-voc"

        @Option(help: "Grid size G.")
        var grid: Int = 24

        @Option(help: "Output size WxH (the image's size).")
        var size: String

        @Option(help: "Nearest upsampling goes through an N×N view first, as the reference does.")
        var view: Int = 336

        @Option(help: "Output PNG.")
        var out: String

        @Flag(help: "Fail instead of repairing.")
        var strict = false

        func run() throws {
            let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { throw ValidationError("--size must look like 500x375") }
            guard grid > 0 else { throw ValidationError("--grid must be positive") }
            let vocabulary = try Vocabulary.load(vocab)
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw ValidationError("cannot read \(file)")
                }
                text = contents
            }
            let decoded = try DescriptorDecoder.decode(text, vocabulary: vocabulary, rows: grid, cols: grid, strict: strict)
            for repair in decoded.repairs { warn("warning: \(file): \(repair)") }
            let canvas = RGBImage(width: parts[0], height: parts[1])
            let map = try NearestRefiner(viewSize: view).refine(RefinementInput(grid: decoded.grid, image: canvas))
            try LabelMapWriter(vocabulary: vocabulary).writeLabelMap(map, to: out)
        }
    }
}
