/// A problem found in a vocabulary file, with the place it was found.
public struct VocabularyIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    public var severity: Severity
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(_ severity: Severity, file: String, line: Int, column: Int, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: error: message`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Why a vocabulary could not be loaded.
public enum VocabularyError: Error, CustomStringConvertible, Sendable {
    case notFound(String, builtIn: [String])
    case unreadable(path: String, reason: String)
    case invalid([VocabularyIssue])
    /// A class list (`--classes`) that names no class, or an empty one; the text says what a correct one looks like.
    case badClassList(String)

    public var description: String {
        switch self {
        case let .notFound(name, builtIn):
            return "no vocabulary named '\(name)' and no such file.\(Suggestion.hint(for: name, among: builtIn)) "
                + "Built-in vocabularies: \(builtIn.joined(separator: ", "))"
        case let .unreadable(_, reason):
            return "cannot read vocabulary: \(reason)"
        case let .badClassList(problem):
            return problem
        case let .invalid(issues):
            return issues.filter { $0.severity == .error }.map(\.description).joined(separator: "\n")
        }
    }
}
