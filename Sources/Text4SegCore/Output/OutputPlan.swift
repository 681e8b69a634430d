import Foundation

/// Every file a run will write, planned before anything is written: two outputs may not
/// land on one file, and no output may replace a file the run reads (``ProtectedInputs``).
///
///     var plan = OutputPlan()
///     try plan.add("out/a.png", for: "photos/a.jpg")
///     try plan.add("out/a.overlay.png", for: "photos/a.jpg")
///     try plan.add("out/a.overlay.png", for: "photos/a.overlay.jpg")   // throws: a collision
///     try plan.check(against: .shared)                                  // throws when an output is an input
public struct OutputPlan: Sendable {
    private var owners: [FileEntry: (path: String, source: String)] = [:]
    /// The outputs in the order they were added.
    public private(set) var paths: [String] = []

    public init() {}

    /// Plans `path`, written for `source` (an input's path, or what the file is). Throws
    /// ``OutputPlanError/collision(path:first:second:)`` when another output lands on the same file.
    public mutating func add(_ path: String, for source: String) throws {
        let entry = FileEntry(path)
        if let owner = owners[entry] {
            throw OutputPlanError.collision(path: path, first: owner.source, second: source, firstPath: owner.path)
        }
        owners[entry] = (path, source)
        paths.append(path)
    }

    /// Protects `inputs` for the rest of the process, plans `outputs` (each with what it is: "the
    /// report", "the CSV table") and checks them: what a command does before it writes anything.
    @discardableResult
    public static func guarding(
        inputs: [String], outputs: [(path: String?, what: String)], protected: ProtectedInputs = .shared
    ) throws -> OutputPlan {
        protected.protect(inputs)
        var plan = OutputPlan()
        for case let (path?, what) in outputs { try plan.add(path, for: what) }
        try plan.check(against: protected)
        return plan
    }

    /// Throws ``OutputPlanError/replacesInput(output:input:)`` for the first output that would
    /// replace a protected input.
    public func check(against inputs: ProtectedInputs = .shared) throws {
        for path in paths {
            if let input = inputs.input(replacedBy: path) { throw OutputPlanError.replacesInput(output: path, input: input) }
        }
    }
}

/// Why a run's outputs were refused before anything was written.
public enum OutputPlanError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Two outputs would be the same file.
    case collision(path: String, first: String, second: String, firstPath: String)
    /// An output would replace a file the run reads.
    case replacesInput(output: String, input: String)

    public var description: String {
        switch self {
        case let .collision(path, first, second, firstPath):
            let same = path == firstPath ? "" : " (the same file as \(firstPath))"
            return "\(path)\(same) would be written twice, for \(first) and for \(second); "
                + "rename one of them or write them into different --out folders. Nothing was written"
        case let .replacesInput(output, input):
            let same = output == input ? "" : " (the same file as the input \(input))"
            return "\(output) would replace \(input), which this run reads\(same); choose another --out. Nothing was written"
        }
    }
}
