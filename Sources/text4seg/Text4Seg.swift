import ArgumentParser

@main
struct Text4Seg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text4seg",
        abstract: "Open-vocabulary semantic segmentation in the Text4Seg text-as-mask paradigm.",
        subcommands: [Label.self, Eval.self, Descriptors.self, Vocab.self, PromptCommand.self, Bench.self]
    )
}
