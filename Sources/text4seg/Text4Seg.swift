import ArgumentParser
import Foundation
import Text4SegCore

@main
struct Text4Seg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text4seg",
        abstract: "Open-vocabulary semantic segmentation in the Text4Seg text-as-mask paradigm.",
        version: "\(Text4Seg.version) (commit \(buildCommit))",
        subcommands: [Label.self, Eval.self, ReportCommand.self, Descriptors.self, Vocab.self, PromptCommand.self, Models.self, Bench.self]
    )

    /// The release version; the commit comes from the BuildInfo plugin.
    static let version = "0.5.0"

    static func main() async {
        AllocatorTuning.apply()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = CommandLineFront.unknownCommandMessage(for: arguments) ?? CommandLineFront.renamedOptionMessage(for: arguments) {
            warn(message)
            Foundation.exit(ExitStatus.usage)
        }
        if let help = CommandLineFront.help(for: arguments) {
            print(help)
            Foundation.exit(ExitStatus.success)
        }
        var command: ParsableCommand
        do {
            // `eval merge` shares option names (--report, --worst) with `eval` itself, which
            // ArgumentParser would give to the parent: parse the subcommand on its own.
            command = arguments.starts(with: ["eval", "merge"]) ? try EvalMerge.parse(Array(arguments.dropFirst(2))) : try parseAsRoot()
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
        } catch  where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            exit(withError: error)  // help, version and parse errors that surface while running
        } catch {
            // A runtime failure before any item could run (unreadable vocabulary, no dataset,
            // unreachable model store): one message, no usage screen, exit 2.
            warn("error: \(Redaction.redact("\(error)"))")
            Foundation.exit(ExitStatus.nothingRan)
        }
    }
}
