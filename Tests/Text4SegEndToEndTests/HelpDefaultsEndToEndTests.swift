import Foundation
import Text4SegCore
import Text4SegEngines
import Text4SegModels
import Text4SegTestSupport
import XCTest

/// Every default a flag's help states is the setting's real default, and every setting of a
/// section has its flag: `label --help-hidden` is read as a user reads it.
final class HelpDefaultsEndToEndTests: XCTestCase {
    /// Each flag's help text, from `--flag` to the next flag.
    func flagHelp(_ command: String) throws -> [String: String] {
        let help = try CLI.run(command.split(separator: " ").map(String.init) + ["--help-hidden"])
        XCTAssertEqual(help.status, 0, help.stderr)
        var out: [String: String] = [:]
        var current: String?
        for line in help.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("--") && line.hasPrefix("  -") {
                current = String(trimmed.prefix { $0 != " " && $0 != "," && $0 != "<" }).trimmingCharacters(in: .whitespaces)
                if let name = current?.split(separator: "/").first { current = String(name) }
            }
            if let current { out[current, default: ""] += " " + trimmed }
        }
        return out
    }

    func check<S: SettingsSection>(_ type: S.Type, in help: [String: String], command: String) {
        for child in Mirror(reflecting: S.defaults).children {
            guard let label = child.label else { continue }
            let key = SettingsKey.snakeCase(label)
            let flag = S.flag(for: key)
            guard let text = help[flag] else {
                XCTFail("\(command): \(S.section).\(key) has no flag \(flag)")
                continue
            }
            guard let convertible = child.value as? SettingValueConvertible else { continue }  // nil optionals: no default to state
            let flat = text.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
            guard let range = flat.range(of: "(default: ") else {
                XCTAssertTrue(child.value is Bool, "\(command) \(flag): the help states no default (\(convertible.settingValue))")
                continue
            }
            let stated = flat[range.upperBound...]
            XCTAssertTrue(
                stated.hasPrefix(convertible.settingValue.description),
                "\(command) \(flag): help says '\(stated.prefix(30))', default is \(convertible.settingValue)")
        }
    }

    func testHelpDefaultsAreTheSettingsDefaults() throws {
        for command in ["label", "eval run"] {
            let help = try flagHelp(command)
            XCTAssertFalse(help.isEmpty)
            check(LimitSettings.self, in: help, command: command)
            check(ServerSettings.self, in: help, command: command)
            check(WatershedRefiner.self, in: help, command: command)
            check(DenseCRFRefiner.self, in: help, command: command)
            check(GuidedFilterRefiner.self, in: help, command: command)
            check(JointBilateralRefiner.self, in: help, command: command)
            check(ModeFilterRefiner.self, in: help, command: command)
            check(EmbeddedEngine.Settings.self, in: help, command: command)
            check(CLIPEngine.Settings.self, in: help, command: command)
        }
    }
}
