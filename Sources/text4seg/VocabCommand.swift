import ArgumentParser
import Foundation
import Text4SegCore

struct Vocab: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show, check and start vocabularies.",
        subcommands: [List.self, Show.self, Check.self, Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the YAML vocabulary that --classes makes, as a file to add synonyms, prompt names and colors to.",
            discussion: """
                EXAMPLES:
                  text4seg vocab init --classes "person, dog, sky, grass" > my.yaml
                  text4seg label photos/ --vocab my.yaml
                """)

        @Option(help: "Class names, comma-separated (ids 1…N in order). Repeatable.")
        var classes: [String]

        @Option(help: "background (id 0, the default) or ignore (others is the ignore value 255).")
        var others: Vocabulary.ListOthers = .background

        func validate() throws {
            if classes.isEmpty { throw ValidationError("give the class names: --classes \"person, dog, sky\"") }
        }

        func run() throws {
            let names = try Vocabulary.classNames(classes)
            // The same checks as --classes: what is printed loads.
            _ = try Vocabulary.classList(names, others: others)
            print(Vocabulary.classListYAML(names, others: others), terminator: "")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The built-in vocabularies.")

        func run() throws {
            for name in BuiltinVocabularies.names {
                let vocabulary = try Vocabulary.load(name)
                print("\(name)\t\(vocabulary.classes.count) classes\t\(vocabulary.description)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A vocabulary's classes: id, name, prompt name, color, synonyms.")

        @Argument(help: "Built-in name or YAML path.")
        var vocabulary: String

        func run() throws {
            let v = try Vocabulary.load(vocabulary)
            print("# \(v.name): \(v.description)")
            print("# ignore \(v.ignoreValue), others → \(v.othersID.map(String.init) ?? "ignore")")
            for c in v.classes {
                var line = "\(c.id)\t\(c.name)\t\(c.prompt)\t\(c.color)"
                if !c.synonyms.isEmpty { line += "\t" + c.synonyms.joined(separator: ", ") }
                print(line)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report every problem in vocabulary files as file:line:column.",
            discussion:
                "Errors: malformed YAML, unknown keys, missing or duplicate ids, names and prompt names, ids out of range, bad "
                + "colors, empty names. Warnings: synonyms shared between classes. Exit status 1 when any error is found."
        )

        @Argument(help: "YAML files or built-in names.")
        var files: [String]

        func run() throws {
            var errors = 0
            for file in files {
                let builtIn = FileManager.default.fileExists(atPath: file) ? nil : BuiltinVocabularies.text(named: file)
                guard let text = builtIn ?? (try? String(contentsOfFile: file, encoding: .utf8)) else {
                    print("\(file):1:1: error: cannot read file")
                    errors += 1
                    continue
                }
                let (vocabulary, issues) = VocabularyLoader.parse(text, file: file)
                for issue in issues { print(issue) }
                errors += issues.filter { $0.severity == .error }.count
                if let vocabulary, issues.isEmpty { print("\(file): ok (\(vocabulary.classes.count) classes)") }
            }
            if errors > 0 { throw ExitCode(1) }
        }
    }
}
