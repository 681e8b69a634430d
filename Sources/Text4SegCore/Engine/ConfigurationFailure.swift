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
