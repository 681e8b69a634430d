/// Joins a folder and an item's file name so that the result stays inside the folder.
///
/// Item ids come from split files, `ids.txt` and file names: text from outside.
/// An id is used as one file name, so it may not be empty, `.` or `..`, nor hold
/// a path separator or a NUL byte; anything else is refused before any file is
/// opened or written.
///
///     try ConfinedPath.join("preds", "2007_000033", extension: "png")   // "preds/2007_000033.png"
///     try ConfinedPath.join("preds", "../../victim/pwn", extension: "png")   // throws
public enum ConfinedPath {
    /// `folder/name.ext`, or an error when `name` is not a plain file name.
    public static func join(_ folder: String, _ name: String, extension ext: String) throws -> String {
        try check(name)
        return "\(folder)/\(name).\(ext)"
    }

    /// Throws ``PathError/notAFileName(_:)`` unless `name` is a plain file name.
    public static func check(_ name: String) throws {
        if let reason = problem(with: name) { throw PathError.notAFileName(name, reason: reason) }
    }

    /// Why `name` cannot be used as one file name, or `nil` when it can.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name == "." || name == ".." { return "it names a folder" }
        if name.utf8.contains(0x2F) || name.utf8.contains(0x5C) { return "it contains a path separator" }
        if name.utf8.contains(0) { return "it contains a NUL byte" }
        if name.utf8.count > 240 { return "it is longer than 240 bytes" }
        return nil
    }
}

/// Why a path built from outside text was refused.
public enum PathError: Error, CustomStringConvertible, Sendable, Equatable {
    case notAFileName(String, reason: String)

    public var description: String {
        switch self {
        case let .notAFileName(name, reason):
            return "'\(Excerpt.quote(name))' is not a plain file name (\(reason)); ids may not leave their folders"
        }
    }
}
