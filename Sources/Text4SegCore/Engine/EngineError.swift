import Foundation

/// Why an engine could not describe an image.
public enum EngineError: Error, CustomStringConvertible, Sendable {
    case emptyOutput(engine: String, item: String)
    case missingInput(engine: String, item: String, reason: String)

    public var description: String {
        switch self {
        case let .emptyOutput(engine, item): return "engine \(engine) returned neither text nor a grid for \(item)"
        case let .missingInput(engine, item, reason): return "engine \(engine) cannot describe \(item): \(reason)"
        }
    }
}
