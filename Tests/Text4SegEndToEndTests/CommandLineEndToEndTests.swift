import Foundation
import Text4SegTestSupport
import XCTest

/// The command surface as ArgumentParser builds it: `eval` is a group whose default
/// subcommand runs the evaluation beside `eval merge`, help carries each command's examples,
/// and what ArgumentParser does not say (a misspelt subcommand, a renamed flag) is said in one line.
final class CommandLineEndToEndTests: XCTestCase {
    /// `eval` and `eval merge` both have `--report`, `--csv` and `--worst`: each parses its own.
    func testEvalAndEvalMergeEachParseTheirOwnOptions() throws {
        let folder = try CLI.temporaryFolder()
        let outputs = ["--report", folder + "/r.json", "--csv", folder + "/t.csv", "--worst", "3"]
        for evaluation in [["eval"], ["eval", "run"]] {
            // Parsed: the dataset is looked for, which is a runtime failure (2), not a usage error (64).
            let run = try CLI.run(evaluation + ["--dataset", "/nonexistent/dataset"] + outputs)
            XCTAssertEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.hasPrefix("error: /nonexistent/dataset"), run.stderr)
            let badWorst = try CLI.run(evaluation + ["--dataset", "/nonexistent/dataset", "--worst", "many"])
            XCTAssertEqual(badWorst.status, 64, badWorst.stderr)
            XCTAssertTrue(badWorst.stderr.contains("'--worst <"), badWorst.stderr)
            XCTAssertTrue(badWorst.stderr.contains("Usage: text4seg eval run"), badWorst.stderr)
        }
        let merge = try CLI.run(["eval", "merge", "/nonexistent/a.json", "/nonexistent/b.json"] + outputs)
        XCTAssertEqual(merge.status, 2, merge.stderr)
        XCTAssertTrue(merge.stderr.hasPrefix("error: ") && merge.stderr.contains("/nonexistent/a.json"), merge.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/r.json"))

        let mergeWorst = try CLI.run(["eval", "merge", "/nonexistent/a.json", "--worst", "many"])
        XCTAssertEqual(mergeWorst.status, 64, mergeWorst.stderr)
        XCTAssertTrue(mergeWorst.stderr.contains("Usage: text4seg eval merge"), mergeWorst.stderr)
        // The evaluation's options are not merge's.
        let mergeDataset = try CLI.run(["eval", "merge", "/nonexistent/a.json", "--dataset", "x"])
        XCTAssertEqual(mergeDataset.status, 64, mergeDataset.stderr)
        XCTAssertTrue(mergeDataset.stderr.contains("Unknown option '--dataset'"), mergeDataset.stderr)
    }

    func testEvalHelpNamesBothSubcommandsAndNoUsageEndsInSubcommand() throws {
        let group = try CLI.run(["eval", "--help"], environment: ["COLUMNS": "100"])
        XCTAssertEqual(group.status, 0, group.stderr)
        XCTAssertTrue(group.stdout.contains("USAGE: text4seg eval [run] --dataset <dataset> [<options>]"), group.stdout)
        XCTAssertTrue(group.stdout.contains("  run (default)"), group.stdout)
        XCTAssertTrue(group.stdout.contains("  merge "), group.stdout)
        for arguments in [["eval", "--help"], ["eval", "run", "--help"], ["eval", "merge", "--help"], ["help", "eval", "run"]] {
            let help = try CLI.run(arguments, environment: ["COLUMNS": "100"])
            XCTAssertEqual(help.status, 0, help.stderr)
            let usage = try XCTUnwrap(help.stdout.range(of: "USAGE: "), arguments.joined(separator: " "))
            let block = help.stdout[usage.upperBound...].components(separatedBy: "\n\n")[0]
            XCTAssertFalse(block.contains("<subcommand>"), "\(arguments): \(block)")
        }
        // Help after the evaluation's own options is the evaluation's help.
        let run = try CLI.run(["eval", "--dataset", "D", "--help"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("USAGE: text4seg eval run"), run.stdout)
        XCTAssertTrue(run.stdout.contains("--reduce-zero-label"), run.stdout)
    }

    func testEveryCommandsHelpShowsItsExamples() throws {
        for command in [[], ["label"], ["eval"], ["eval", "run"], ["eval", "merge"], ["report"]] {
            let help = try CLI.run(command + ["--help"]).stdout
            let examples = try XCTUnwrap(help.range(of: "EXAMPLES:\n  # "), "\(command): no examples in\n\(help)")
            let first = help[examples.upperBound...].split(separator: "\n")[1]
            XCTAssertTrue(first.hasPrefix("  text4seg \(command.first ?? "")"), "\(command): \(first)")
        }
        let bench = try CLI.run(CLI.benchExecutable, ["--help"]).stdout
        XCTAssertTrue(bench.contains("EXAMPLES:\n  # "), bench)
    }

    /// ArgumentParser reports a misspelt subcommand as an unexpected argument, or as an
    /// unknown option about what follows it; the message names the word and what was meant.
    func testAMisspeltSubcommandIsNamedWithTheClosestCommands() throws {
        for (arguments, message) in [
            (["evaluate", "--dataset", "x"], "error: 'evaluate' is not a text4seg command. Did you mean 'eval'?"),
            (["eval", "mrege", "a.json"], "error: 'mrege' is not a text4seg eval command. Did you mean 'merge'?"),
            (["descriptors", "stat", "--dataset", "x"], "error: 'stat' is not a text4seg descriptors command. Did you mean 'stats'?"),
            (["bench", "crf"], "error: 'bench' is not a text4seg command. Commands: label, refer, eval, report"),
        ] {
            let run = try CLI.run(arguments)
            XCTAssertEqual(run.status, 64, "\(arguments)")
            XCTAssertTrue(run.stderr.hasPrefix(message), "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        }
        let bench = try CLI.run(CLI.benchExecutable, ["clp"])
        XCTAssertEqual(bench.status, 64)
        XCTAssertTrue(bench.stderr.hasPrefix("error: 'clp' is not a text4seg-bench command. Did you mean 'clip'?"), bench.stderr)
        // Where every word names a command, ArgumentParser's own message stands.
        let unknownOption = try CLI.run(["eval", "merge", "a.json", "--datset", "x"])
        XCTAssertEqual(unknownOption.status, 64)
        XCTAssertTrue(unknownOption.stderr.contains("Unknown option '--datset'"), unknownOption.stderr)
    }

    func testRenamedFlagsNameTheirNewSpellingInEval() throws {
        let renamed = try CLI.run(["eval", "--dataset", CLI.samples, "--engine", "oracle", "--crf-sxy", "3"])
        XCTAssertEqual(renamed.status, 64)
        XCTAssertEqual(
            renamed.stderr,
            "error: --crf-sxy is now --crf-bilateral-sxy (tuning flags are named --<refiner or engine>-<setting>; "
                + "'text4seg eval run --help-hidden' lists them)\n")
        let label = try CLI.run(["label", CLI.samples, "--out", try CLI.temporaryFolder(), "--top-k=3"])
        XCTAssertEqual(label.status, 64)
        XCTAssertTrue(label.stderr.hasPrefix("error: --top-k is now --embedded-top-k"), label.stderr)
        XCTAssertTrue(label.stderr.contains("'text4seg label --help-hidden' lists them"), label.stderr)
        // Not a tuning flag of another command: ArgumentParser's message.
        let other = try CLI.run(["vocab", "show", "pascal-voc", "--radius", "3"])
        XCTAssertEqual(other.status, 64)
        XCTAssertTrue(other.stderr.contains("Unknown option '--radius'"), other.stderr)
    }

    /// A failure after the command line was accepted is one `error:` line and status 2; a
    /// command line that `validate()` refuses is ArgumentParser's message, usage and 64.
    func testRuntimeFailuresAreOneLineAndBadCommandLinesShowUsage() throws {
        let runtime = try CLI.run(["eval", "--dataset", "/nonexistent/dataset", "--engine", "oracle"])
        XCTAssertEqual(runtime.status, 2)
        XCTAssertEqual(runtime.stderr.split(separator: "\n").count, 1, runtime.stderr)
        XCTAssertTrue(runtime.stderr.hasPrefix("error: "), runtime.stderr)
        XCTAssertFalse(runtime.stderr.contains("Usage:"), runtime.stderr)

        let usage = try CLI.run(["eval", "--dataset", CLI.samples, "--resume"])
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.stderr.contains("--resume needs --report"), usage.stderr)
        XCTAssertTrue(usage.stderr.contains("Usage: text4seg eval run"), usage.stderr)
    }
}
