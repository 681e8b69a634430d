import Foundation
import Text4SegCore

/// Replays recorded answers: `folder/<item id>.txt` holds what an engine said
/// for that image (as saved by `--save-responses` or `label --descriptors`).
public struct ReplayEngine: Engine {
    public var folder: String

    public init(folder: String) { self.folder = folder }

    public var name: String { "replay" }

    public func describe(_ request: DescriptorRequest) async throws -> EngineOutput {
        let path = "\(folder)/\(request.itemID).txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw EngineError.missingInput(engine: name, item: request.itemID, reason: "no recorded answer at \(path)")
        }
        return EngineOutput(text: text)
    }
}
