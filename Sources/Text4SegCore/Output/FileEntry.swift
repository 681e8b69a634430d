import Foundation

/// The directory entry a path names: its folder's real path (symbolic links resolved)
/// and its last component. Two paths with the same entry name the same file for
/// `rename(2)`, which replaces entries: `photos/x.png` and `link-to-photos/x.png` are one
/// entry; `out/x.png` and `out/./x.png` too. The folder need not exist yet: its deepest
/// existing ancestor is resolved and the rest appended.
///
///     FileEntry("photos/../photos/x.png") == FileEntry("photos/x.png")   // true
public struct FileEntry: Hashable, Sendable, CustomStringConvertible {
    /// The folder, absolute, with every existing symbolic link resolved.
    public var folder: String
    /// The file name in that folder.
    public var name: String

    public init(_ path: String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        name = url.lastPathComponent
        folder = FileEntry.resolve(url.deletingLastPathComponent().path)
    }

    /// The absolute path of the entry.
    public var path: String { folder == "/" ? "/" + name : folder + "/" + name }

    public var description: String { path }

    /// The entry a symbolic link at `path` finally points to, or `nil` when `path` is no link
    /// (or a dangling one).
    public static func target(of path: String) -> FileEntry? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return nil }
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return FileEntry(String(cString: real))
    }

    /// `path` with symbolic links resolved as far as it exists; the missing rest appended as given.
    static func resolve(_ path: String) -> String {
        var existing = path
        var rest: [String] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest.reversed().joined(separator: "/")
            }
            let url = URL(fileURLWithPath: existing)
            let parent = url.deletingLastPathComponent().path
            if parent == existing || existing.isEmpty { return path }
            rest.append(url.lastPathComponent)
            existing = parent
        }
    }
}
