import ArgumentParser
import Foundation

/// What `main` does before ArgumentParser sees the command line: help screens that end
/// with examples, and a plain message for a misspelt subcommand (instead of an
/// "unknown option" complaint about whatever follows it).
enum CommandLineFront {
    /// The subcommand path the arguments name, and the first word that names no subcommand.
    static func resolve(_ arguments: [String]) -> (command: ParsableCommand.Type, unknown: String?) {
        var command: ParsableCommand.Type = Text4Seg.self
        for word in arguments {
            if word.hasPrefix("-") { break }
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty { break }
            guard let next = subcommands.first(where: { name(of: $0) == word }) else {
                return (command, word == "help" ? nil : word)
            }
            command = next
        }
        return (command, nil)
    }

    /// The help screen, with the command's examples, when the arguments ask for help.
    static func help(for arguments: [String]) -> String? {
        let hidden = arguments.contains("--help-hidden")
        guard hidden || arguments.contains("--help") || arguments.contains("-h") else { return nil }
        let (command, unknown) = resolve(arguments)
        guard unknown == nil else { return nil }
        var text = Text4Seg.helpMessage(for: command, includeHidden: hidden)
        if let examples = CommandExamples.all[ObjectIdentifier(command)], !examples.isEmpty {
            text += "\n\nEXAMPLES:\n" + examples.map { "  # \($0.comment)\n  \($0.command)\n" }.joined(separator: "\n")
        }
        return text
    }

    /// A message for a first word that names no subcommand, with the closest names.
    static func unknownCommandMessage(for arguments: [String]) -> String? {
        let (command, unknown) = resolve(arguments)
        guard let unknown, !command.configuration.subcommands.isEmpty else { return nil }
        let names = command.configuration.subcommands.map { name(of: $0) }
        let path = ([Text4Seg.configuration.commandName ?? "text4seg"] + arguments.prefix { $0 != unknown }).joined(separator: " ")
        let close = names.filter {
            editDistance($0, unknown) <= max(2, unknown.count / 3) || $0.hasPrefix(unknown) || unknown.hasPrefix($0)
        }
        let hint = close.isEmpty ? "" : " Did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
        return "error: '\(unknown)' is not a \(path) command.\(hint) Commands: \(names.joined(separator: ", ")). See '\(path) --help'."
    }

    /// Tuning flags of `label` and `eval` that 0.5 renamed to `--<section>-<setting>`, the
    /// setting's name in config files (`--ws-margin` is `--watershed-margin`, `watershed: {margin: …}`).
    static let renamedOptions: [String: String] = [
        "--ws-margin": "--watershed-margin", "--ws-others-margin": "--watershed-others-margin", "--ws-sigma": "--watershed-sigma",
        "--ws-colour-weight": "--watershed-color-weight", "--ws-lightness": "--watershed-lightness-weight",
        "--crf-sxy": "--crf-bilateral-sxy", "--crf-srgb": "--crf-bilateral-srgb", "--crf-compat": "--crf-bilateral-compat",
        "--crf-gt-prob": "--crf-ground-truth-probability", "--radius": "--guided-radius or --mode-radius", "--eps": "--guided-epsilon",
        "--upsample": "--guided-upsampling or --crf-upsampling", "--sigma-space": "--jbu-spatial-sigma",
        "--sigma-color": "--jbu-color-sigma", "--input-size": "--embedded-input-size", "--top-k": "--embedded-top-k",
        "--gate": "--embedded-gate", "--background-threshold": "--embedded-background-threshold",
        "--relative-threshold": "--embedded-relative-threshold", "--normalize-mass": "--embedded-normalize-mass",
        "--similarity-temperature": "--embedded-temperature",
    ]

    /// A message for a renamed tuning flag given to `label` or `eval`.
    static func renamedOptionMessage(for arguments: [String]) -> String? {
        let (command, _) = resolve(arguments)
        guard command == Label.self || command == Eval.self else { return nil }
        for word in arguments {
            let flag = String(word.prefix { $0 != "=" })
            if let new = renamedOptions[flag] {
                return "error: \(flag) is now \(new) (tuning flags are named --<refiner or engine>-<setting>; see --help-hidden)."
            }
        }
        return nil
    }

    /// A command's name as typed: its configured name, else its type name in lower case.
    static func name(of command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// The examples that close a command's help, two or three each.
enum CommandExamples {
    static let all: [ObjectIdentifier: [(comment: String, command: String)]] = [
        ObjectIdentifier(Text4Seg.self): [
            ("label the sample images on the CPU, with overlays", "text4seg label Samples/voc/images/*.jpg --out out --overlay"),
            (
                "measure mIoU of a Text4Seg checkpoint behind a server",
                "text4seg eval --dataset VOCdevkit --engine openai --base-url http://127.0.0.1:8000/v1 --report voc.json"
            ),
            ("the question a Text4Seg checkpoint expects", "text4seg prompt --vocab pascal-voc --format vicuna_v1"),
        ],
        ObjectIdentifier(Label.self): [
            (
                "label photos with the embedded engine (after `text4seg models install`)",
                "text4seg label photos/*.jpg --out labels --overlay"
            ),
            (
                "label with a Text4Seg server and keep its answers",
                "text4seg label a.jpg b.jpg --out labels --engine openai --base-url http://127.0.0.1:8000/v1 --descriptors"
            ),
            ("finish an interrupted run", "text4seg label photos/*.jpg --out labels --resume"),
        ],
        ObjectIdentifier(ReportCommand.self): [
            ("a page from a finished run whose predictions are in preds/", "text4seg report voc.json --html voc.html --predictions preds"),
            ("the per-class table for a paper", "text4seg report voc.json --markdown voc.md --csv voc.csv"),
        ],
        ObjectIdentifier(Eval.self): [
            (
                "the oracle ceiling of 24×24 descriptors with Text4Seg's own upsampling",
                "text4seg eval --dataset VOCdevkit --engine oracle --refine nearest"
            ),
            (
                "a checkpoint behind a server, VOC-20 convention, resumable",
                "text4seg eval --dataset VOCdevkit --engine openai --base-url http://gpu:8000/v1 --reduce-zero-label --report voc20.json"
            ),
            (
                "continue it after an interruption",
                "text4seg eval --dataset VOCdevkit --engine openai --base-url http://gpu:8000/v1 --reduce-zero-label --report "
                    + "voc20.json --resume"
            ),
        ],
    ]
}
