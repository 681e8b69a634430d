import ArgumentParser

/// Did-you-mean for a misspelt subcommand. ArgumentParser suggests close names for options,
/// but reports an unknown subcommand only as an unexpected argument, or as an unknown option
/// about whatever follows it; this names the word and the commands it may have meant.
///
///     SubcommandSuggestion.message(root: Text4Seg.self, arguments: ["evaluate", "--dataset", "D"])
///     // "'evaluate' is not a text4seg command. Did you mean 'eval'? Commands: label, eval, …"
public enum SubcommandSuggestion {
    /// The commands the leading words of `arguments` name, from `root` down, and the first
    /// word that names none where a subcommand was expected.
    public static func commands(
        root: any ParsableCommand.Type, arguments: [String]
    ) -> (path: [any ParsableCommand.Type], unknown: String?) {
        var path: [any ParsableCommand.Type] = [root]
        for word in arguments {
            let subcommands = path[path.count - 1].configuration.subcommands
            if word.hasPrefix("-") || subcommands.isEmpty { break }
            guard let next = subcommands.first(where: { name(of: $0) == word }) else {
                return (path, word == "help" ? nil : word)
            }
            path.append(next)
        }
        return (path, nil)
    }

    /// A message for a word that names no subcommand, with the closest names; `nil` when every
    /// word before the first option names a command. Under a command with a default subcommand
    /// the word may be that subcommand's argument, so only a close name makes a message there.
    public static func message(root: any ParsableCommand.Type, arguments: [String]) -> String? {
        let (path, unknown) = commands(root: root, arguments: arguments)
        guard let unknown, let command = path.last else { return nil }
        let names = command.configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { name(of: $0) }
        // The nearest of the names within a few edits, or that the word starts or ends.
        let near = names.map { (name: $0, distance: editDistance($0, unknown)) }.filter {
            $0.distance <= max(2, unknown.count / 3) || $0.name.hasPrefix(unknown) || unknown.hasPrefix($0.name)
        }
        let nearest = near.map(\.distance).min()
        let close = near.filter { $0.distance == nearest }.map(\.name)
        if command.configuration.defaultSubcommand != nil && close.isEmpty { return nil }
        let words = path.map { name(of: $0) }.joined(separator: " ")
        let hint = close.isEmpty ? "" : " Did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
        return "'\(unknown)' is not a \(words) command.\(hint) Commands: \(names.joined(separator: ", ")). See '\(words) --help'."
    }

    /// A command's name as typed: its configured name, else its type name in lower case.
    static func name(of command: any ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    /// Levenshtein distance between two words.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
