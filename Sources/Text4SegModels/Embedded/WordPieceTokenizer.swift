import Foundation

/// BERT's uncased WordPiece tokenizer, configured from a Hugging Face
/// `tokenizer.json` (BertNormalizer, BertPreTokenizer, WordPiece model,
/// `[CLS] … [SEP]` template).
///
///     let tokenizer = try WordPieceTokenizer(path: "…/tokenizer.json")
///     tokenizer.encode("potted plant")   // [101, 8962, 3269, 102]
public struct WordPieceTokenizer: Sendable {
    let vocabulary: [String: Int32]
    let unknown: Int32
    let classification: Int32
    let separator: Int32
    let prefix: String
    let maxCharactersPerWord: Int
    let lowercase: Bool
    let stripAccents: Bool
    /// Tokens per sequence, `[CLS]` and `[SEP]` included.
    public var maxLength: Int

    public init(path: String, maxLength: Int = 256) throws {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let model = json["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int]
        else {
            throw WeightsError.malformed(path: path, reason: "not a WordPiece tokenizer.json")
        }
        vocabulary = vocab.mapValues { Int32($0) }
        let unknownToken = model["unk_token"] as? String ?? "[UNK]"
        guard let unk = vocab[unknownToken], let cls = vocab["[CLS]"], let sep = vocab["[SEP]"] else {
            throw WeightsError.malformed(path: path, reason: "vocabulary lacks [UNK], [CLS] or [SEP]")
        }
        unknown = Int32(unk)
        classification = Int32(cls)
        separator = Int32(sep)
        prefix = model["continuing_subword_prefix"] as? String ?? "##"
        maxCharactersPerWord = model["max_input_chars_per_word"] as? Int ?? 100
        let normalizer = json["normalizer"] as? [String: Any] ?? [:]
        lowercase = normalizer["lowercase"] as? Bool ?? true
        // BertNormalizer: strip_accents null means "as lowercase".
        stripAccents = (normalizer["strip_accents"] as? Bool) ?? lowercase
        self.maxLength = maxLength
    }

    /// Token ids of one text, `[CLS]` first and `[SEP]` last, truncated to ``maxLength``.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classification]
        for word in preTokenize(normalize(text)) {
            ids.append(contentsOf: wordPiece(word))
            if ids.count >= maxLength - 1 { break }
        }
        if ids.count > maxLength - 1 { ids.removeLast(ids.count - (maxLength - 1)) }
        ids.append(separator)
        return ids
    }

    func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            // clean_text: drop NUL, U+FFFD and control characters; whitespace becomes a space.
            if value == 0 || value == 0xFFFD { continue }
            if scalar.properties.isWhitespace || value == 0x09 || value == 0x0A || value == 0x0D {
                out.append(" ")
                continue
            }
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format { continue }
            // handle_chinese_chars: CJK ideographs stand alone.
            if WordPieceTokenizer.isCJK(value) {
                out.append(" ")
                out.append(scalar)
                out.append(" ")
                continue
            }
            out.append(scalar)
        }
        var text = String(out)
        if lowercase { text = text.lowercased() }
        if stripAccents {
            let decomposed = text.decomposedStringWithCanonicalMapping
            text = String(String.UnicodeScalarView(decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }))
        }
        return text
    }

    /// Splits on whitespace, and makes every punctuation character a token of its own.
    func preTokenize(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                flush()
            } else if WordPieceTokenizer.isPunctuation(scalar) {
                flush()
                words.append(String(scalar))
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }

    /// Greedy longest-match-first WordPiece; a word that cannot be covered is `[UNK]`.
    func wordPiece(_ word: String) -> [Int32] {
        let characters = Array(word.unicodeScalars)
        if characters.count > maxCharactersPerWord { return [unknown] }
        var pieces: [Int32] = []
        var start = 0
        while start < characters.count {
            var end = characters.count
            var found: Int32?
            while start < end {
                var piece = String(String.UnicodeScalarView(characters[start..<end]))
                if start > 0 { piece = prefix + piece }
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
