import Foundation
import Text4SegCore

/// Replays recorded answers: `folder/<item id>.txt` holds what an engine said
/// for that image (as saved by `--save-responses` or `label --descriptors`).
public struct ReplayEngine: Engine {
    public var folder: String

    public init(folder: String) { self.folder = folder }

    public var name: String { "replay" }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let path = try ConfinedPath.join(folder, request.itemID, extension: "txt")
        do {
            return EngineOutput(text: try TextFile.read(path))
        } catch TextFileError.missing {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "no recorded answer at \(path)")
        } catch {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "\(error)")
        }
    }
}
