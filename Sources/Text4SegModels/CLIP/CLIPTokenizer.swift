import Foundation
import Text4SegCore

/// CLIP's byte-level BPE tokenizer, as a checkpoint's `vocab.json` and `merges.txt` define it.
///
/// The text is NFC-normalized, runs of white space become one space, and it is lowercased.
/// It is then split like CLIP's pattern: the special tokens, the contractions 's 't 're 've 'm 'll 'd,
/// runs of letters, single digits, and runs of anything else but white space. Each piece's UTF-8
/// bytes are mapped to printable characters (GPT-2's byte map), the last one marked `</w>`, and
/// merged pair by pair in the merges' order. The ids are wrapped in `<|startoftext|>` and
/// `<|endoftext|>` and cut to the context length, the end token kept last.
///
///     let tokenizer = try CLIPTokenizer(folder: "clip-vit-base-patch16")
///     tokenizer.encode("a photo of a cat.")   // [49406, 320, 1125, 539, 320, 2368, 269, 49407]
public struct CLIPTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    let ranks: [Pair: Int]
    public let startID: Int32
    public let endID: Int32
    public let contextLength: Int
    /// Byte → the printable character standing for it.
    let byteCharacters: [String]

    struct Pair: Hashable {
        var first: String
        var second: String
    }

    static let start = "<|startoftext|>"
    static let end = "<|endoftext|>"

    /// Reads `vocab.json` and `merges.txt` from a checkpoint folder.
    public init(folder: String, contextLength: Int = 77) throws {
        let vocabPath = folder + "/vocab.json", mergesPath = folder + "/merges.txt"
        guard let vocabData = FileManager.default.contents(atPath: vocabPath) else {
            throw WeightsError.unreadable(path: vocabPath, reason: "no such file")
        }
        guard let mergesData = FileManager.default.contents(atPath: mergesPath) else {
            throw WeightsError.unreadable(path: mergesPath, reason: "no such file")
        }
        let vocabulary = try Self.readVocabulary(vocabData, path: vocabPath)
        let ranks = try Self.readMerges(mergesData, path: mergesPath)
        try self.init(vocabulary: vocabulary, ranks: ranks, contextLength: contextLength, source: vocabPath)
    }

    /// `vocab.json`: a JSON object of token → id, each id an integer in `0..<Int32.max`, no two the same.
    static func readVocabulary(_ data: Data, path: String) throws -> [String: Int32] {
        let ids: [String: Int]
        do {
            ids = try JSONDecoder().decode([String: JSONInteger].self, from: data).mapValues(\.value)
        } catch let error as DecodingError {
            let (field, reason) = error.fieldAndReason
            throw WeightsError.invalidValue(
                path: path, field: field.isEmpty ? "vocabulary" : "the id of \(field.debugDescription)",
                reason: field.isEmpty ? "not a JSON object of token → id (\(reason))" : reason)
        }
        var vocabulary: [String: Int32] = [:]
        var owners: [Int32: String] = [:]
        for (token, id) in ids.sorted(by: { $0.key < $1.key }) {
            guard (0..<Int(Int32.max)).contains(id) else {
                throw WeightsError.invalidValue(
                    path: path, field: "the id of \(token.debugDescription)", reason: "\(id) is not between 0 and \(Int32.max - 1)")
            }
            if let other = owners[Int32(id)] {
                throw WeightsError.invalidValue(
                    path: path, field: "the id of \(token.debugDescription)", reason: "\(id) is also the id of \(other.debugDescription)")
            }
            owners[Int32(id)] = token
            vocabulary[token] = Int32(id)
        }
        return vocabulary
    }

    /// `merges.txt`: after an optional `#version` line, one merge per line, two non-empty symbols
    /// separated by one space (`\n` or `\r\n` endings); a repeated merge keeps its first rank.
    static func readMerges(_ data: Data, path: String) throws -> [Pair: Int] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw WeightsError.invalidValue(path: path, field: "merges", reason: "not UTF-8 text")
        }
        var ranks: [Pair: Int] = [:]
        for (number, line) in TextLines.split(text, omittingEmpty: false).enumerated() {
            if line.isEmpty || (number == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw WeightsError.invalidValue(
                    path: path, field: "line \(number + 1)", reason: "\(String(line.prefix(80)).debugDescription) is not two symbols")
            }
            let pair = Pair(first: String(parts[0]), second: String(parts[1]))
            if ranks[pair] == nil { ranks[pair] = ranks.count }
        }
        return ranks
    }

    /// The tokenizer OpenAI's merges define (the lines of `bpe_simple_vocab_16e6.txt` after its
    /// header): the vocabulary is the 256 byte symbols, the same with `</w>`, one token per merge,
    /// and the two special tokens, in that order, as Hugging Face's `vocab.json` lays it out.
    public init(merges lines: [String], contextLength: Int = 77) throws {
        // The byte symbols in GPT-2's order: the printable bytes first, then the shifted ones.
        let map = Self.byteMap()
        let bytes = (0..<256).sorted { (map[$0].unicodeScalars.first!.value, $0) < (map[$1].unicodeScalars.first!.value, $1) }.map {
            map[$0]
        }
        var tokens = bytes + bytes.map { $0 + "</w>" }
        var ranks: [Pair: Int] = [:]
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            let pair = Pair(first: String(parts[0]), second: String(parts[1]))
            guard ranks[pair] == nil else { continue }
            ranks[pair] = ranks.count
            tokens.append(pair.first + pair.second)
        }
        tokens += [Self.start, Self.end]
        var vocabulary: [String: Int32] = [:]
        for (i, token) in tokens.enumerated() where vocabulary[token] == nil { vocabulary[token] = Int32(i) }
        try self.init(vocabulary: vocabulary, ranks: ranks, contextLength: contextLength, source: "merges")
    }

    init(vocabulary: [String: Int32], ranks: [Pair: Int], contextLength: Int, source: String) throws {
        guard let startID = vocabulary[Self.start], let endID = vocabulary[Self.end] else {
            throw WeightsError.malformed(path: source, reason: "no \(Self.start) or \(Self.end) token")
        }
        self.vocabulary = vocabulary
        self.ranks = ranks
        self.startID = startID
        self.endID = endID
        self.contextLength = contextLength
        byteCharacters = Self.byteMap()
    }

    /// GPT-2's reversible map from bytes to printable characters: printable Latin-1 bytes stand
    /// for themselves, the others are shifted past U+0100 in order.
    static func byteMap() -> [String] {
        var printable = Set<Int>()
        for range in [33...126, 161...172, 174...255] { printable.formUnion(range) }
        var map = [String](repeating: "", count: 256)
        var shifted = 0
        for byte in 0..<256 {
            if printable.contains(byte) {
                map[byte] = String(UnicodeScalar(UInt8(byte)))
            } else {
                map[byte] = String(UnicodeScalar(UInt32(256 + shifted))!)
                shifted += 1
            }
        }
        return map
    }

    /// The ids of `text`, start and end tokens included, at most `contextLength` of them.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [startID]
        for piece in Self.pieces(of: Self.normalize(text)) {
            if piece == Self.start {
                ids.append(startID)
            } else if piece == Self.end {
                ids.append(endID)
            } else {
                ids.append(contentsOf: bpe(piece).map { vocabulary[$0] ?? endID })
            }
        }
        if ids.count >= contextLength { ids = Array(ids.prefix(contextLength - 1)) }
        ids.append(endID)
        return ids
    }

    /// NFC, white space runs as one space, lowercase.
    static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var inSpace = false
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(scalar)
                inSpace = false
            }
        }
        return String(out).lowercased()
    }

    enum Kind { case letter, number, space, other }

    static func kind(_ scalar: Unicode.Scalar) -> Kind {
        if scalar.properties.isWhitespace { return .space }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// CLIP's pre-tokenizing pattern, scanned by hand: at each position the first alternative that matches wins.
    static func pieces(of text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        let specials = [start, end].map { Array($0.unicodeScalars) }
        let contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { Array($0.unicodeScalars) }
        func matches(_ word: [Unicode.Scalar], at i: Int) -> Bool {
            i + word.count <= scalars.count && Array(scalars[i..<(i + word.count)]) == word
        }
        var pieces: [String] = []
        var i = 0
        while i < scalars.count {
            if let special = specials.first(where: { matches($0, at: i) }) {
                pieces.append(String(String.UnicodeScalarView(special)))
                i += special.count
                continue
            }
            if let contraction = contractions.first(where: { matches($0, at: i) }) {
                pieces.append(String(String.UnicodeScalarView(contraction)))
                i += contraction.count
                continue
            }
            let kind = kind(scalars[i])
            var j = i + 1
            switch kind {
            case .space:
                i = j
                continue
            case .number:
                break
            case .letter, .other:
                while j < scalars.count && Self.kind(scalars[j]) == kind { j += 1 }
            }
            pieces.append(String(String.UnicodeScalarView(scalars[i..<j])))
            i = j
        }
        return pieces
    }

    /// Byte-level BPE of one piece: its bytes as symbols, the last marked `</w>`, the lowest-ranked pair merged until none is left.
    func bpe(_ piece: String) -> [String] {
        var symbols = piece.utf8.map { byteCharacters[Int($0)] }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let rank = ranks[Pair(first: symbols[i], second: symbols[i + 1])], rank < (best?.rank ?? .max) {
                    best = (rank, i)
                }
            }
            guard let best else { break }
            let first = symbols[best.index], second = symbols[best.index + 1]
            // Merge every occurrence of the pair, left to right, as the reference BPE does.
            var merged: [String] = []
            var i = 0
            while i < symbols.count {
                if i < symbols.count - 1 && symbols[i] == first && symbols[i + 1] == second {
                    merged.append(first + second)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
