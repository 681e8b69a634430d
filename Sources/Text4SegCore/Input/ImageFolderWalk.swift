import Foundation

/// Finds the images in a folder, sorted by path, each real folder and each file once:
/// symbolic links are followed, but a folder or file already seen by another path (a link
/// loop, two links to one folder) is not walked or listed again, and folders the run writes
/// into are left out, so a run never labels its own outputs.
///
///     var walk = ImageFolderWalk(recursive: true, excluding: ["photos/labels"])
///     let images = try walk.images(in: "photos")   // [("photos/a.jpg", "a"), ("photos/2024/b.png", "2024/b")]
public struct ImageFolderWalk {
    /// One image found: its path and its path relative to the folder walked, without extension.
    public struct Found: Sendable, Equatable {
        public var path: String
        public var name: String
    }

    /// A file or folder as the system knows it (device and inode), whatever path names it.
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    public var recursive: Bool
    /// Folders the walk never enters (the run's output folders).
    var excluded: Set<Identity>
    var seenFolders: Set<Identity> = []
    var seenFiles: Set<Identity> = []
    /// Files left out because another path already named them, and folders not entered again.
    public private(set) var duplicates = 0

    public init(recursive: Bool, excluding folders: [String] = []) {
        self.recursive = recursive
        excluded = Set(folders.compactMap(Identity.init))
    }

    /// Claims the file at `path` for this walk: false when it was seen already (by any path).
    public mutating func claim(file path: String) -> Bool {
        guard let identity = Identity(path) else { return true }
        if seenFiles.insert(identity).inserted { return true }
        duplicates += 1
        return false
    }

    /// The images in `folder` (its subfolders too when ``recursive``), each named by its path
    /// relative to `folder` without the extension.
    public mutating func images(in folder: String) throws -> [Found] {
        var found: [Found] = []
        try walk(folder, prefix: "", into: &found)
        return found
    }

    mutating func walk(_ folder: String, prefix: String, into found: inout [Found]) throws {
        guard let identity = Identity(folder), !excluded.contains(identity) else { return }
        guard seenFolders.insert(identity).inserted else {
            duplicates += 1
            return
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            switch PathKind.of(path) {
            case .folder:
                if recursive { try walk(path, prefix: prefix + name + "/", into: &found) }
            case .file:
                let url = URL(fileURLWithPath: name)
                guard ImageIO.imageExtensions.contains(url.pathExtension.lowercased()), claim(file: path) else { continue }
                found.append(Found(path: path, name: prefix + url.deletingPathExtension().lastPathComponent))
            case .missing:
                continue  // a dangling link
            }
        }
    }
}
