import ArgumentParser
import Text4SegCore

@main
struct Text4Seg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text4seg",
        abstract: "Open-vocabulary semantic segmentation in the Text4Seg text-as-mask paradigm.",
        subcommands: [Label.self, Eval.self, Descriptors.self, Vocab.self, PromptCommand.self, Models.self, Bench.self]
    )

    static func main() async {
        AllocatorTuning.apply()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
