import ArgumentParser
import Foundation
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
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)  // a bad command line: usage and exit 64
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch let error as ValidationError {
            exit(withError: error)
        } catch {
            // A runtime failure before any item could run (unreadable vocabulary, no dataset,
            // unreachable model store): one message, no usage screen, exit 2.
            warn("error: \(Redaction.redact("\(error)"))")
            Foundation.exit(ExitStatus.nothingRan)
        }
    }
}
