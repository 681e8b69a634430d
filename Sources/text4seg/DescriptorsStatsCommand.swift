import ArgumentParser
import Foundation
import Text4SegCore

extension Descriptors {
    /// `text4seg descriptors stats`: descriptor lengths, full against R-RLE, and each grid's oracle ceiling.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Descriptor lengths (full and R-RLE) and the oracle mIoU ceiling of each grid, on a dataset's ground truth.",
            discussion: """
                Each label map becomes Text4Seg's nearest G×G target; its full and R-RLE texts are measured, and the R-RLE \
                text is decoded and upsampled the reference way (G×G → view → H×W) to score the grid's ceiling (mmseg mIoU). \
                Text4Seg reports R-RLE descriptors 74% shorter.
                """)

        @OptionGroup(title: "Dataset") var selection: DatasetSelection

        @OptionGroup var vocabulary: VocabularyChoice

        @Option(help: "Grid sizes, comma-separated.")
        var grid: String = "16,24,32"

        @Option(help: "Engine view the grid is upsampled through.")
        var view: Int = PromptBuilder.defaultViewSize

        @Option(help: "Only the first N items.")
        var limit: Int?

        func grids() throws -> [Int] {
            let values = grid.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0.map(Limits.grid.contains) ?? false }) else {
                throw ValidationError(
                    "--grid takes sizes \(Limits.grid.lowerBound)–\(Limits.grid.upperBound), comma-separated (got '\(grid)')")
            }
            return values.map { $0! }
        }

        func validate() throws {
            _ = try grids()
            try checkRange(view, Limits.view, "--view")
        }

        func run() throws {
            let listing = try selection.list(config: ConfigFile())
            guard listing.layout != .refer else {
                throw ConfigError(
                    "\(selection.dataset) holds referring expressions: descriptor statistics are for label maps "
                        + "(the oracle's referring ceilings: text4seg eval --task refer --engine oracle --grid G)")
            }
            let vocabulary = try self.vocabulary.load(fallback: listing.layout.vocabulary ?? "pascal-voc")
            var items = listing.items
            if let limit { items = Array(items.prefix(max(0, limit))) }
            var stats = try grids().map { DescriptorStatistics(grid: $0, vocabulary: vocabulary, viewSize: view) }
            var failed = 0
            for item in items {
                do {
                    let truth = try ImageIO.readLabelMap(item.labelPath)
                    for index in stats.indices { try stats[index].add(truth) }
                } catch {
                    warn("failed: \(item.id): \(error)")
                    failed += 1
                }
            }
            guard stats.first.map({ $0.maps > 0 }) ?? false else {
                warn("error: none of the \(items.count) label maps could be read")
                throw ExitCode(ExitStatus.someFailed)
            }
            print("\(listing.layout.title), \(stats[0].maps) label maps, vocabulary \(vocabulary.name), nearest grids (Text4Seg's targets)")
            print("grid   full chars   R-RLE chars   runs (cells)   reduction   oracle mIoU")
            for s in stats {
                print(
                    String(
                        format: "%4d   %10.1f   %11.1f   %5.1f (%d)   %8.1f%%   %11.2f", s.grid, s.meanFullCharacters, s.meanRRLECharacters,
                        s.meanRuns, s.grid * s.grid, s.reduction * 100, s.ceiling.metrics().meanIoU * 100))
            }
            if failed > 0 { throw ExitCode(ExitStatus.someFailed) }
        }
    }
}
