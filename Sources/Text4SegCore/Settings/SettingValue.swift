/// One setting's value as it arrives from outside the program: a scalar in a
/// config file or the argument of a flag.
///
///     let margin: SettingValue = .number(0.34)
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    case text(String)
    /// A list of texts: a YAML sequence, or a flag given several times.
    case list([String])

    /// Reads a YAML or command-line scalar: `true`/`false`, a number, else text.
    public init(scalar: String) {
        switch scalar {
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            if let number = Double(scalar), number.isFinite { self = .number(number) } else { self = .text(scalar) }
        }
    }

    public var description: String {
        switch self {
        case let .number(value): return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        case let .bool(value): return "\(value)"
        case let .text(value): return value
        case let .list(values): return "[" + values.joined(separator: ", ") + "]"
        }
    }
}

/// A type whose values can be given as a ``SettingValue`` (the types settings are made of).
public protocol SettingValueConvertible {
    var settingValue: SettingValue { get }
}

// Through its shortest decimal text, so 0.01 as a Float reads 0.01, not 0.009999999776…
extension Float: SettingValueConvertible { public var settingValue: SettingValue { .number(Double("\(self)") ?? Double(self)) } }
extension Double: SettingValueConvertible { public var settingValue: SettingValue { .number(self) } }
extension Int: SettingValueConvertible { public var settingValue: SettingValue { .number(Double(self)) } }
extension Bool: SettingValueConvertible { public var settingValue: SettingValue { .bool(self) } }
extension String: SettingValueConvertible { public var settingValue: SettingValue { .text(self) } }
extension Array: SettingValueConvertible where Element == String { public var settingValue: SettingValue { .list(self) } }

/// A closed set of names used as a setting (``Upsampling``): messages list the names.
public protocol SettingChoice: SettingValueConvertible, RawRepresentable, CaseIterable where RawValue == String {
    /// The names it accepts, in order.
    static var choiceNames: [String] { get }
}

extension SettingChoice {
    public var settingValue: SettingValue { .text(rawValue) }
    public static var choiceNames: [String] { allCases.map(\.rawValue) }
}
