import Foundation

/// One referring question: an image and an expression, and the id its outputs are named by
/// (`<image stem>_<n>`, n counting the image's expressions from 0, as the evaluation numbers them).
///
///     let queries = try ReferQuery.list(image: "street.jpg", expressions: ["the man in red"])
///     queries[0].id   // "street_0"
public struct ReferQuery: Sendable, Hashable {
    public var image: String
    public var expression: String
    public var id: String

    public init(image: String, expression: String, id: String) {
        self.image = image
        self.expression = expression
        self.id = id
    }

    /// The queries of `expressions` on one image.
    public static func list(image: String, expressions: [String]) throws -> [ReferQuery] {
        try number(expressions.map { (image, $0) })
    }

    /// The queries of an expressions file: a JSONL of `{"image": …, "expression": …}` lines (a batch;
    /// relative image paths are taken from the file's folder), or, with `image` given, one expression
    /// per line. Blank lines are skipped; a bad line is an error naming it.
    public static func read(_ path: String, image: String?) throws -> [ReferQuery] {
        try number(try pairs(in: path, image: image))
    }

    /// The `(image, expression)` pairs of an expressions file, in order, not yet numbered (see ``read(_:image:)``).
    public static func pairs(in path: String, image: String?) throws -> [(image: String, expression: String)] {
        let text = try TextFile.read(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var pairs: [(image: String, expression: String)] = []
        for (number, line) in TextLines.split(text, omittingEmpty: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if let image {
                pairs.append((image, trimmed))
                continue
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                let named = object["image"] as? String, let expression = object["expression"] as? String
            else {
                throw ReferQueryError.badLine(
                    file: path, line: number + 1, reason: "not a JSON object with string fields image and expression")
            }
            pairs.append((named.hasPrefix("/") ? named : folder + "/" + named, expression))
        }
        return pairs
    }

    /// Numbers each image's expressions in order; images whose stems coincide are refused, since their outputs would.
    public static func number(_ pairs: [(image: String, expression: String)]) throws -> [ReferQuery] {
        var counts: [String: Int] = [:]
        var stems: [String: String] = [:]
        var queries: [ReferQuery] = []
        for (image, expression) in pairs {
            let trimmed = expression.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw ReferQueryError.emptyExpression(image: image) }
            let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
            let standardized = URL(fileURLWithPath: image).standardizedFileURL.path
            if let other = stems[stem], other != standardized { throw ReferQueryError.sameStem(image, other) }
            stems[stem] = standardized
            let n = counts[stem, default: 0]
            counts[stem] = n + 1
            queries.append(ReferQuery(image: image, expression: trimmed, id: "\(stem)_\(n)"))
        }
        return queries
    }
}

/// Why a list of referring questions could not be read.
public enum ReferQueryError: Error, CustomStringConvertible, Sendable, Equatable {
    case badLine(file: String, line: Int, reason: String)
    case emptyExpression(image: String)
    case sameStem(String, String)

    public var description: String {
        switch self {
        case let .badLine(file, line, reason): return "\(file):\(line): \(reason)"
        case let .emptyExpression(image): return "\(image): an empty expression; say what to find, e.g. --expression \"the man in red\""
        case let .sameStem(a, b):
            return "\(a) and \(b) have the same name; their outputs would collide: label them into different --out folders"
        }
    }
}
