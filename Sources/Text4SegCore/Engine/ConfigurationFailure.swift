/// An error that says the run is set up wrongly rather than that one item is bad: a
/// server that refuses the key (401/403), a wrong URL or model (404), no server at the
/// address, an engine missing its input. Every item would fail the same way, so
/// ``EvaluationRunner`` stops a run whose first items all fail with one such error.
public protocol ConfigurationFailure: Error {
    /// Whether this instance is a configuration failure (an error type may hold both kinds).
    var isConfigurationFailure: Bool { get }
    /// The message without what is particular to one item, so that failures of different items compare equal.
    var configurationMessage: String { get }
}

extension EngineError: ConfigurationFailure {
    public var isConfigurationFailure: Bool {
        if case .missingInput = self { return true }
        return false
    }

    public var configurationMessage: String {
        if case let .missingInput(engine, _, reason) = self { return "engine \(engine): \(reason)" }
        return description
    }
}

/// Watches the first results of a run: when the first `probe` of them all fail with one
/// configuration error, ``record(_:)`` throws ``EvaluationStop/configuration(message:items:)``.
/// A run with no more items than the probe is never stopped (stopping would save nothing),
/// so short runs list each failed item. `eval` and `label` both use it.
///
///     var probe = ConfigurationProbe(items: pending.count)
///     try probe.record(failure.configurationMessage)   // after each result, nil for a success
public struct ConfigurationProbe: Sendable {
    public let probe: Int
    private var seen = 0
    private var messages: [String] = []

    public init(items: Int, probe: Int = 3) {
        self.probe = items > probe ? probe : 0
    }

    /// Counts one finished item: its configuration-failure message, or `nil`.
    public mutating func record(_ configurationMessage: String?) throws {
        seen += 1
        guard seen <= probe else { return }
        if let configurationMessage { messages.append(configurationMessage) }
        if seen == probe, messages.count == probe, Set(messages).count == 1 {
            throw EvaluationStop.configuration(message: messages[0], items: probe)
        }
    }

    /// The configuration message of `error`, when it is a ``ConfigurationFailure``.
    public static func message(of error: Error) -> String? {
        (error as? ConfigurationFailure).flatMap { $0.isConfigurationFailure ? $0.configurationMessage : nil }
    }
}
