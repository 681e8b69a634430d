import ArgumentParser
import Text4SegCore
import Text4SegReports

/// `text4seg export`: what annotation tools need besides the files `--export` writes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "What annotation tools need to import the files --export writes.",
        subcommands: [LabelStudioConfig.self])

    struct LabelStudioConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "labelstudio-config",
            abstract: "Print the Label Studio labeling config whose names match labelstudio.json's predictions.",
            discussion: """
                EXAMPLES:
                  text4seg export labelstudio-config --classes "person, car, road" > config.xml
                """)

        @OptionGroup var vocabulary: VocabularyChoice

        @Flag(help: "For files written with --polygons: polygon labels instead of brush labels.")
        var polygons = false

        func run() throws {
            print(LabelStudioExport.labelingConfig(vocabulary: try vocabulary.load(), polygons: polygons), terminator: "")
        }
    }
}
