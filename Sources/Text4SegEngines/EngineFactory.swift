import Text4SegCore

/// Settings an engine may need, gathered from config and flags.
public struct EngineSettings: Sendable {
    public var sampling: GridSampling = .nearest
    public var groundTruthFolder: String?
    public var replayFolder: String?
    public var openAI: OpenAISettings

    public init(sampling: GridSampling = .nearest, groundTruthFolder: String? = nil, replayFolder: String? = nil, openAI: OpenAISettings = OpenAISettings()) {
        self.sampling = sampling
        self.groundTruthFolder = groundTruthFolder
        self.replayFolder = replayFolder
        self.openAI = openAI
    }
}

/// Makes engines by name.
public enum EngineFactory {
    public static let available = ["openai", "oracle", "replay"]

    public static func make(_ name: String, settings: EngineSettings) throws -> any Engine {
        switch name {
        case "openai":
            return try OpenAIEngine(settings: settings.openAI)
        case "oracle":
            return OracleEngine(sampling: settings.sampling, labelsFolder: settings.groundTruthFolder)
        case "replay":
            guard let folder = settings.replayFolder else {
                throw EngineError.missingInput(engine: name, item: "-", reason: "pass --replay DIR, a folder of <id>.txt answers")
            }
            return ReplayEngine(folder: folder)
        default:
            throw EngineError.unknownEngine(name, available: available)
        }
    }
}
