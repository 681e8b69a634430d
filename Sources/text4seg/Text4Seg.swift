import ArgumentParser
import Foundation
import Text4SegCommandLine
import Text4SegCore

@main
struct Text4Seg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text4seg",
        abstract: "Open-vocabulary semantic segmentation in the Text4Seg text-as-mask paradigm.",
        discussion: """
            EXAMPLES:
              # label the sample images on the CPU, with overlays
              text4seg label Samples/voc/images/*.jpg --out out --overlay

              # measure mIoU of a Text4Seg checkpoint behind a server
              text4seg eval --dataset VOCdevkit --engine openai \\
                --base-url http://127.0.0.1:8000/v1 --report voc.json

              # the question a Text4Seg checkpoint expects
              text4seg prompt --vocab pascal-voc --format vicuna_v1
            """,
        version: "\(Text4Seg.version) (commit \(buildCommit))",
        subcommands: [
            Label.self, Refer.self, EvalGroup.self, ReportCommand.self, Descriptors.self, Vocab.self, PromptCommand.self,
            ExportCommand.self,
            Models.self, Serve.self,
        ]
    )

    /// The release version; the commit comes from the BuildInfo plugin.
    static let version = "0.5.0"

    static func main() async {
        AllocatorTuning.apply()
        await CommandLineProgram.run(Text4Seg.self, hint: RenamedFlags.message(for:))
    }
}
