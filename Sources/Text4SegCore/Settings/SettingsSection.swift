import Foundation

/// A value type of tunable settings (a refiner, an engine's knobs) whose stored
/// properties are its keys: `othersMargin` is `others_margin` in a config
/// file and `--watershed-others-margin` on the command line. Config files and
/// flags give partial sets of values, which ``overlaid(_:location:)`` lays over
/// a complete value, so each setting is declared once, as a property with its
/// default, and its range is checked once, in ``validate()``.
///
///     var refiner = WatershedRefiner()
///     refiner = try refiner.overlaid(["margin": .number(0.5)])
///     try refiner.validate()
public protocol SettingsSection: Codable, Sendable {
    /// The section's name in config files and the prefix of its flags: `watershed`, `crf`, `embedded`.
    static var section: String { get }
    /// The defaults.
    static var defaults: Self { get }
    /// Whether the keys stand at the top of a config file (`max_pixels: …`) and the flags are
    /// `--<key>` (`--max-pixels`), instead of a section and `--<section>-<key>`. Default: false.
    static var isTopLevel: Bool { get }
    /// Throws a ``SettingsError`` naming the first value outside its range.
    func validate() throws
}

extension SettingsSection {
    public static var isTopLevel: Bool { false }

    /// The flag that sets `key` (config spelling): `--watershed-margin`, or `--max-pixels` for a top-level section.
    public static func flag(for key: String) -> String {
        let name = SettingsKey.kebabCase(SettingsKey.camelCase(key))
        return isTopLevel ? "--\(name)" : "--\(section)-\(name)"
    }

    /// The section as errors name it: empty for a top-level section, whose keys are named alone.
    static var errorScope: String { isTopLevel ? "" : section }

    /// The keys in config spelling, in declaration order.
    public var keys: [String] { Mirror(reflecting: self).children.compactMap { $0.label.map(SettingsKey.snakeCase) } }

    /// This value with `values` (config-spelled keys) laid over it. Unknown keys and values of the
    /// wrong type throw ``SettingsError``; ranges are left to ``validate()``.
    /// - Parameter location: where each value came from (`file:line:column`), for messages.
    public func overlaid(_ values: [String: SettingValue], location: [String: String] = [:]) throws -> Self {
        if values.isEmpty { return self }
        let fields = Mirror(reflecting: self).children.compactMap { child in child.label.map { ($0, child.value) } }
        let byKey = Dictionary(fields.map { (SettingsKey.snakeCase($0.0), $0) }, uniquingKeysWith: { first, _ in first })
        let data = try JSONEncoder().encode(self)
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return self }
        for key in values.keys.sorted() {
            let value = values[key]!
            func failure(_ problem: SettingsError.Problem) -> SettingsError {
                SettingsError(section: Self.errorScope, key: key, value: value.description, problem: problem, location: location[key])
            }
            guard let (property, current) = byKey[key] else {
                throw failure(.unknownKey(known: fields.map { SettingsKey.snakeCase($0.0) }))
            }
            object[property] = try SettingsKey.json(value, like: current).mapError(failure).get()
        }
        let merged = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(Self.self, from: merged)
    }

    /// This value with `values` laid over it and every range checked: what a config section or a
    /// group of flags gives. Range errors name the value's `location` too.
    public func applying(_ values: [String: SettingValue], location: [String: String] = [:]) throws -> Self {
        do {
            let result = try overlaid(values, location: location)
            try result.validate()
            return result
        } catch var error as SettingsError {
            error.location = error.location ?? location[error.key]
            throw error
        }
    }

    /// A range check for ``validate()``: throws when `value` is outside `range`.
    public func check<T: Comparable & SettingValueConvertible>(_ value: T, _ range: ClosedRange<T>, _ property: String) throws {
        guard range.contains(value) else {
            throw SettingsError(
                section: Self.errorScope, key: SettingsKey.snakeCase(property), value: value.settingValue.description,
                problem: .outOfRange("\(range.lowerBound.settingValue)–\(range.upperBound.settingValue)"))
        }
    }
}

/// How setting names are spelt, and how values become the JSON the settings decode from.
public enum SettingsKey {
    /// `othersMargin` → `others_margin`, `bilateralSXY` → `bilateral_sxy`.
    public static func snakeCase(_ name: String) -> String { separated(name, by: "_") }

    /// `others_margin` → `othersMargin`.
    public static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_")
        return (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `othersMargin` → `others-margin`, as in flags.
    public static func kebabCase(_ name: String) -> String { separated(name, by: "-") }

    static func separated(_ name: String, by separator: Character) -> String {
        let characters = Array(name.hasPrefix("_") ? String(name.dropFirst()) : name)
        var out = ""
        for (i, c) in characters.enumerated() {
            if c.isUppercase && i > 0 {
                let previous = characters[i - 1]
                let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out.append(separator) }
            }
            out.append(contentsOf: c.lowercased())
        }
        return out
    }

    /// `value` as JSON for a property whose current value is `current` (an optional one's type is
    /// its wrapped type's), or why it does not fit.
    static func json(_ value: SettingValue, like current: Any) -> Result<Any, SettingsError.Problem> {
        var type = Swift.type(of: current)
        if let optional = type as? any OptionalSettingSlot.Type { type = optional.wrappedType }
        switch value {
        case let .number(n) where type == Int.self || type == UInt64.self:
            guard n == n.rounded(), abs(n) < 1e15 else { return .failure(.wrongType(expected: "a whole number")) }
            return .success(Int(n))
        case let .number(n) where type == Float.self || type == Double.self: return .success(n)
        case _ where type == Int.self || type == UInt64.self || type == Float.self || type == Double.self:
            return .failure(.wrongType(expected: "a number"))
        case let .bool(b) where type == Bool.self: return .success(b)
        case _ where type == Bool.self: return .failure(.wrongType(expected: "true or false"))
        case let .list(values) where type == [String].self: return .success(values)
        case let .text(text) where type == [String].self: return .success([text])
        case _ where type == [String].self: return .failure(.wrongType(expected: "a list of texts"))
        case _ where type is any SettingChoice.Type:
            let names = (type as! any SettingChoice.Type).choiceNames
            guard case let .text(name) = value, names.contains(name) else {
                return .failure(.wrongType(expected: "one of \(names.joined(separator: ", "))"))
            }
            return .success(name)
        case let .text(text) where type == String.self: return .success(text)
        case .list: return .failure(.wrongType(expected: "a single value"))
        default: return .success(value.description)
        }
    }
}

/// An optional setting (`seed: Int?`): its values are checked against the wrapped type.
protocol OptionalSettingSlot {
    static var wrappedType: Any.Type { get }
}

extension Optional: OptionalSettingSlot {
    static var wrappedType: Any.Type { Wrapped.self }
}
