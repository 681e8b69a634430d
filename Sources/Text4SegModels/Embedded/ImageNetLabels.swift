import Foundation
import Text4SegCore

/// The 1000 ImageNet-1k classes as texts for the sentence encoder: each class's
/// WordNet lemmas and definition (timm's data files), in the classifier's order.
public enum ImageNetLabels {
    /// `lemmas: definition` for each of the 1000 classes.
    public static func texts(store: ModelStore) throws -> [String] {
        func table(_ asset: ModelStore.Asset) throws -> [String: String] {
            let path = try store.require(asset)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw WeightsError.unreadable(path: path, reason: "not UTF-8 text")
            }
            var table: [String: String] = [:]
            for line in TextLines.split(text) {
                let parts = line.split(separator: "\t", maxSplits: 1)
                if parts.count == 2 { table[String(parts[0])] = String(parts[1]) }
            }
            return table
        }
        let synsetsPath = try store.require(.imagenetSynsets)
        guard let synsets = try? String(contentsOfFile: synsetsPath, encoding: .utf8) else {
            throw WeightsError.unreadable(path: synsetsPath, reason: "not UTF-8 text")
        }
        let ids = TextLines.split(synsets).map(String.init).filter { !$0.isEmpty }
        guard ids.count == 1000 else { throw WeightsError.malformed(path: synsetsPath, reason: "\(ids.count) synsets, expected 1000") }
        let lemmas = try table(.imagenetLemmas), definitions = try table(.imagenetDefinitions)
        return ids.map { id in
            let name = lemmas[id] ?? id
            return definitions[id].map { "\(name): \($0)" } ?? name
        }
    }

    /// The texts' MiniLM embeddings (1000 × 384), computed once and cached beside the models.
    public static func embeddings(store: ModelStore, encoder: SentenceEncoder) throws -> [Float] {
        let path = store.folder + "/" + cacheName
        if let data = FileManager.default.contents(atPath: path), data.count == 1000 * 384 * 4 {
            return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        var all: [Float] = []
        all.reserveCapacity(1000 * 384)
        for text in try texts(store: store) { all.append(contentsOf: encoder.embed(text)) }
        try all.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path), options: .atomic) }
        return all
    }

    static let cacheName = "imagenet/label-embeddings-minilm.f32"
}
