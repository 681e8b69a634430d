/// Why an image or label map could not be read or written.
public enum ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    /// Not a format text4seg reads; `looksLike` names the format the first bytes suggest, when known.
    case unsupportedFormat(path: String, looksLike: String? = nil)
    /// A format text4seg reads, but a kind of it that it does not (an animated WebP, a 16-bit TIFF).
    case unsupportedKind(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case truncated(path: String)
    case notALabelMap(path: String, reason: String)
    case encodingFailed(path: String, reason: String)
    case sizeMismatch(path: String, expected: String, found: String)
    /// The header declares more pixels than the limit (`--max-pixels`); nothing was decoded.
    case tooLarge(path: String, width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .unsupportedFormat(path, looksLike):
            return "\(path): not a JPEG, PNG, WebP or TIFF file" + (looksLike.map { " (it looks like \($0))" } ?? "")
        case let .unsupportedKind(path, reason): return "\(path): cannot read \(reason)"
        case let .corrupt(path, reason): return "\(path): corrupt image: \(reason)"
        case let .truncated(path): return "\(path): truncated image (premature end of data)"
        case let .notALabelMap(path, reason): return "\(path): not a label map: \(reason)"
        case let .encodingFailed(path, reason): return "\(path): cannot encode: \(reason)"
        case let .sizeMismatch(path, expected, found): return "\(path): label map is \(found), image is \(expected)"
        case let .tooLarge(path, width, height, limit):
            return
                "\(path): image is \(width)×\(height) (\(width * height) pixels), over the limit of \(limit) pixels; raise "
                + "--max-pixels to read it"
        }
    }
}
