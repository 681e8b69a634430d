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
    /// Files left out because their extension is not an image's (``ImageIO/imageExtensions``), by
    /// lower-case extension ("" for none). Hidden files (`.DS_Store`) are neither walked nor counted.
    public private(set) var skipped: [String: Int] = [:]

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
                let pathExtension = url.pathExtension.lowercased()
                guard ImageIO.imageExtensions.contains(pathExtension) else {
                    skipped[pathExtension, default: 0] += 1
                    continue
                }
                guard claim(file: path) else { continue }
                found.append(Found(path: path, name: prefix + url.deletingPathExtension().lastPathComponent))
            case .missing:
                continue  // a dangling link
            }
        }
    }

    /// One line naming the files skipped as not images, most common extension first:
    /// `skipped 3 files that are not images: 2 .heic, 1 .gif`; nil when none was.
    public var skippedSummary: String? {
        let total = skipped.values.reduce(0, +)
        guard total > 0 else { return nil }
        // Most first; among equals by extension, files without one last.
        let order = skipped.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            if a.key.isEmpty != b.key.isEmpty { return b.key.isEmpty }
            return a.key < b.key
        }
        let kinds = order.map { "\($0.value) \($0.key.isEmpty ? "no extension" : "." + $0.key)" }
        return "skipped \(total) \(total == 1 ? "file that is not an image" : "files that are not images"): "
            + kinds.joined(separator: ", ")
    }
}
