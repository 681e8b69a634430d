import Foundation

/// Every effective setting that decides what a run produces, as flat
/// `key: value` text: the tool's version, the vocabulary (name and content
/// hash), the dataset, the engine and its options, the grid and view, the
/// question, the refiner and each of its options.
///
/// The journal stores it; `--resume` refuses to continue when any entry
/// differs, and says which. Transport settings (timeouts, retries,
/// concurrency, where answers are saved) are left out on purpose: they change
/// how a run gets its answers, not what the answers are, and a resumed run may
/// well need a longer timeout.
///
///     var fingerprint = RunFingerprint()
///     fingerprint["grid"] = "24"
///     fingerprint.add(prefix: "refine", WatershedRefiner())
///     fingerprint.differences(from: old)   // ["grid: was 16, now 24"]
public struct RunFingerprint: Codable, Equatable, Sendable {
    public private(set) var settings: [String: String] = [:]

    public init(_ settings: [String: String] = [:]) { self.settings = settings }

    public subscript(key: String) -> String? {
        get { settings[key] }
        set { settings[key] = newValue }
    }

    /// Adds each stored property of `value` (a refiner, an engine's settings) as `prefix.key`,
    /// the key spelt as in config files (`refine.others_margin`).
    public mutating func add(prefix: String, _ value: Any) {
        for child in Mirror(reflecting: value).children {
            guard let label = child.label else { continue }
            settings["\(prefix).\(SettingsKey.snakeCase(label))"] = RunFingerprint.text(child.value)
        }
    }

    /// A stable text for a property value; optionals print their payload or `none`.
    static func text(_ value: Any) -> String {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let payload = mirror.children.first?.value else { return "none" }
            return text(payload)
        }
        return "\(value)"
    }

    /// One line per setting that differs, `key: was A, now B`, sorted by key.
    public func differences(from earlier: RunFingerprint) -> [String] {
        Set(settings.keys).union(earlier.settings.keys).sorted().compactMap { key in
            let was = earlier.settings[key], now = settings[key]
            guard was != now else { return nil }
            return "\(key): was \(was.map { "'\(Excerpt.quote($0))'" } ?? "unset"), now \(now.map { "'\(Excerpt.quote($0))'" } ?? "unset")"
        }
    }

    /// A short hash of every setting: one name for the run's configuration (exports' model version).
    public var digest: String { RunFingerprint.hash(settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()) }

    /// FNV-1a (64-bit) of the UTF-8 bytes, in hex: stable across runs and machines, unlike `hashValue`.
    public static func hash(_ text: String) -> String { String(hashValue(text), radix: 16) }

    /// FNV-1a (64-bit) of the UTF-8 bytes.
    public static func hashValue(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension Vocabulary {
    /// A hash of everything that decides how labels are read and written: ids, names, prompt
    /// names, synonyms, colors, the ignore value and `others`, and open-vocabulary queries where a
    /// class has them (so vocabularies without them keep the hashes they had).
    public var contentHash: String {
        var text = "ignore=\(ignoreValue) others=\(othersValue)\n"
        for item in classes {
            text += "\(item.id)\t\(item.name)\t\(item.prompt)\t\(item.synonyms.joined(separator: "|"))\t\(item.color)"
            text += item.queries.map { "\tqueries=" + $0.joined(separator: "|") + "\n" } ?? "\n"
        }
        return RunFingerprint.hash(text)
    }
}
