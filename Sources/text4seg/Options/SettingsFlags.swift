import ArgumentParser
import Text4SegCore

/// A group of flags that set one ``SettingsSection``'s values: each property has the
/// name of the setting it overrides (`margin` overrides `WatershedRefiner.margin`)
/// and the long name `--<section>-<key>` (`--watershed-margin`; `--<key>` for a top-level
/// section: `--max-pixels`), so the flags need no
/// code of their own to reach the settings, and parse-time range checks are the
/// settings' own ``SettingsSection/validate()``.
protocol SettingsFlags: ParsableArguments {
    associatedtype Settings: SettingsSection
}

extension SettingsFlags {
    /// The values given on the command line, keyed as in config files (`others_margin`).
    var values: [String: SettingValue] {
        Mirror(reflecting: self).children.reduce(into: [:]) { values, child in
            guard let label = child.label, let flag = child.value as? GivenSetting, let value = flag.given else { return }
            values[SettingsKey.snakeCase(label)] = value
        }
    }

    /// `settings` with these flags laid over it, range-checked.
    func overlay(_ settings: Settings) throws -> Settings {
        do {
            return try settings.applying(values)
        } catch let error as SettingsError {
            let flag = Settings.flag(for: error.key)
            switch error.problem {
            case let .excludes(other): throw ValidationError("\(flag) cannot be used with \(Settings.flag(for: other)): give one of them")
            case let .needs(other): throw ValidationError("\(flag) applies only with \(Settings.flag(for: other))")
            case .outOfRange: break
            default: throw ValidationError("\(flag): \(error)")
            }
            guard case let .outOfRange(range) = error.problem else { throw ValidationError("\(flag): \(error)") }
            throw ValidationError("\(flag) must be between \(range.replacingOccurrences(of: "–", with: " and ")) (got \(error.value))")
        }
    }

    func validate() throws { _ = try overlay(Settings.defaults) }
}

/// A parsed option or flag whose value, when one was given, is a setting.
protocol GivenSetting {
    var given: SettingValue? { get }
}

/// An optional value that may hold a setting.
protocol OptionalSetting {
    var setting: SettingValue? { get }
}

extension Optional: OptionalSetting where Wrapped: SettingValueConvertible {
    var setting: SettingValue? { self?.settingValue }
}

extension Array: OptionalSetting where Element == String {
    /// A repeatable option given no times sets nothing.
    var setting: SettingValue? { isEmpty ? nil : .list(self) }
}

extension Option: GivenSetting where Value: OptionalSetting {
    var given: SettingValue? { wrappedValue.setting }
}

extension Flag: GivenSetting where Value: OptionalSetting {
    var given: SettingValue? { wrappedValue.setting }
}
