import ArgumentParser
import Foundation
import Text4SegCore

/// How a text4seg executable runs its root command: ArgumentParser parses the command line,
/// the command runs, and what ends it becomes one of the ``ExitStatus`` statuses.
///
/// A command line ArgumentParser refuses gets its message and usage screen (64), or, where
/// ArgumentParser cannot say what was meant, one line naming the misspelt subcommand (see
/// ``SubcommandSuggestion``) or what `hint` says. Help, `--help-hidden`, `--version`,
/// `ExitCode` and `CleanExit` keep ArgumentParser's handling, and so does a `ValidationError`
/// (a bad command line). Any other error is a runtime failure before any item ran: one
/// `error:` line, no usage screen, status 2.
///
///     @main
///     struct Tool: AsyncParsableCommand {
///         static func main() async { await CommandLineProgram.run(Tool.self) }
///     }
public enum CommandLineProgram {
    /// Parses `arguments` as `root`'s command line, runs the command it names, and exits.
    ///
    /// - Parameter hint: a message for a refused command line that ArgumentParser's own
    ///   message would not explain (a renamed flag), or `nil`.
    public static func run(
        _ root: any ParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        hint: ([String]) -> String? = { _ in nil }
    ) async -> Never {
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            if !root.exitCode(for: error).isSuccess,
                let message = hint(arguments) ?? SubcommandSuggestion.message(root: root, arguments: arguments)
            {
                report(Redaction.redact(message))
                exit(ExitStatus.usage)
            }
            root.exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            root.exit(withError: error)
        } catch  where root.exitCode(for: error) == .failure {
            // None of ArgumentParser's own errors (help, CleanExit, ValidationError, parse
            // errors) ends with the plain failure status: this one is the command's.
            report(Redaction.redact("\(error)"))
            exit(ExitStatus.nothingRan)
        } catch {
            root.exit(withError: error)
        }
        root.exit()
    }

    /// Writes `error: message` to standard error.
    static func report(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }
}
