import Crypto
import Foundation
import Text4SegCore

/// Text embeddings kept on disk, per model and text, so that a vocabulary's class names
/// are encoded once, not on every run (COCO-Stuff's 171 classes and their synonyms are
/// about 700 texts). One small file per text, named by the SHA-256 of model and text and
/// holding the text itself (checked on reading), written atomically, so that processes
/// running side by side (shards on one machine) share the cache safely.
///
///     let cache = TextEmbeddingCache(folder: store.folder + "/text-embeddings", model: "all-MiniLM-L6-v2@0.1.0", dimension: 384)
///     let vectors = cache.embeddings(for: ["cat", "dog"]) { encoder.embed($0) }
public struct TextEmbeddingCache: Sendable {
    public let folder: String
    /// Names the model and its version: vectors of another model are never read.
    public let model: String
    public let dimension: Int

    public init(folder: String, model: String, dimension: Int) {
        self.folder = folder
        self.model = model
        self.dimension = dimension
    }

    /// The embedding of each text: from the cache when there, else computed with `compute` and stored.
    /// A file that cannot be read back exactly (truncated, another text, another size) is recomputed.
    public func embeddings(for texts: [String], compute: (String) -> [Float]) -> [[Float]] {
        texts.map { text in
            if let cached = read(text) { return cached }
            let vector = compute(text)
            try? write(vector, for: text)
            return vector
        }
    }

    /// `<folder>/<sha256(model, text)>.emb`.
    func path(for text: String) -> String {
        let digest = SHA256.hash(data: Data((model + "\u{0}" + text).utf8))
        return folder + "/" + digest.map { String(format: "%02x", $0) }.joined() + ".emb"
    }

    /// File layout: UInt32 text length, the text's UTF-8, UInt32 dimension, the floats (all little-endian).
    func read(_ text: String) -> [Float]? {
        guard let data = FileManager.default.contents(atPath: path(for: text)) else { return nil }
        let bytes = [UInt8](data), textBytes = Array(text.utf8)
        func word(at offset: Int) -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
        }
        guard let length = word(at: 0), length == textBytes.count, 4 + length <= bytes.count,
            Array(bytes[4..<(4 + length)]) == textBytes, let count = word(at: 4 + length), count == dimension,
            bytes.count == 8 + length + 4 * count
        else { return nil }
        let start = 8 + length
        return (0..<count).map { i in
            let o = start + 4 * i
            return Float(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
        }
    }

    func write(_ vector: [Float], for text: String) throws {
        guard vector.count == dimension else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var data = Data()
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        append(UInt32(text.utf8.count))
        data.append(contentsOf: Array(text.utf8))
        append(UInt32(vector.count))
        for value in vector { append(value.bitPattern) }
        try AtomicFile.write(data, to: path(for: text))
    }
}
