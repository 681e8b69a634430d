/// A setting that cannot be used, named by its section and key
/// (`watershed.margin`) and, when it came from a file, where it stands.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Error, Equatable, Sendable {
        /// No such key in the section; `known` lists the keys it has.
        case unknownKey(known: [String])
        /// The value is not of the key's type; `expected` says what is (`a number`).
        case wrongType(expected: String)
        /// The value is outside the key's range, written as people read it (`0–1e6`).
        case outOfRange(String)
        /// The key cannot be set together with the key `other`.
        case excludes(other: String)
        /// The key applies only when the key `other` is set.
        case needs(other: String)
        /// The value is none of `choices`.
        case notOneOf([String])
        /// The value cannot be used for the reason given (`binding to … needs --token`).
        case invalid(reason: String)
    }

    public var section: String
    public var key: String
    public var value: String
    public var problem: Problem
    /// `file:line:column` for a value from a config file; `nil` for flags and code.
    public var location: String?

    public init(section: String, key: String, value: String, problem: Problem, location: String? = nil) {
        self.section = section
        self.key = key
        self.value = value
        self.problem = problem
        self.location = location
    }

    /// `section.key`, or the key alone for a top-level section (empty `section`).
    public var qualifiedKey: String { section.isEmpty ? key : section + "." + key }

    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        switch problem {
        case let .unknownKey(known):
            let scope = section.isEmpty ? "" : " in \(section)"
            return "\(place)unknown key '\(Excerpt.quote(key))'\(scope).\(Suggestion.hint(for: key, among: known)) "
                + "Expected one of: \(known.joined(separator: ", "))"
        case let .wrongType(expected):
            return "\(place)\(qualifiedKey): '\(Excerpt.quote(value))' is not \(expected)"
        case let .outOfRange(range):
            return "\(place)\(qualifiedKey): \(value) is out of range (\(range))"
        case let .excludes(other):
            return "\(place)\(qualifiedKey) cannot be used with \(other): give one of them"
        case let .needs(other):
            return "\(place)\(qualifiedKey) applies only with \(other)"
        case let .notOneOf(choices):
            return "\(place)\(qualifiedKey): '\(Excerpt.quote(value))' is not one of \(choices.joined(separator: ", "))"
        case let .invalid(reason):
            return "\(place)\(qualifiedKey): \(reason)"
        }
    }
}
