/// A Hugging Face Hub repository id, `owner/name`, checked as the Hub checks it before it
/// becomes a URL or a folder: two parts, each 1 to 96 letters, digits, `-`, `_` or `.`, not
/// beginning or ending with `-` or `.`, with no `--` or `..` (so never `.` or `..`).
///
///     let repository = try HubRepository("openai/clip-vit-base-patch16")
///     repository.owner   // "openai"
///     try HubRepository("a/.")   // throws HubError.badRepository
public struct HubRepository: Sendable, Equatable, CustomStringConvertible {
    public let owner: String
    public let name: String

    /// The Hub's limit on each part.
    public static let maximumLength = 96

    public init(_ id: String) throws {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ Self.isValidPart($0) }) else { throw HubError.badRepository(id) }
        owner = String(parts[0])
        name = String(parts[1])
    }

    /// `owner/name`.
    public var description: String { owner + "/" + name }

    static func isValidPart(_ part: Substring) -> Bool {
        guard (1...maximumLength).contains(part.count), part.unicodeScalars.allSatisfy(isAllowed) else { return false }
        guard let first = part.first, let last = part.last, !"-.".contains(first), !"-.".contains(last) else { return false }
        return !part.contains("..") && !part.contains("--")
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
        default: return false
        }
    }
}
