import Foundation

/// The files a run reads, which no file the run writes may replace: images, ground truth,
/// configs, vocabularies, reports given as input. Commands register what they read before
/// they write anything; ``AtomicFile`` refuses to rename a temporary file onto a protected
/// entry, so a command that forgets to plan its outputs still cannot destroy an input.
///
///     ProtectedInputs.shared.protect("photos/x.png")
///     try AtomicFile.write(data, to: "photos/x.png")   // throws OutputError.wouldReplaceInput
public final class ProtectedInputs: @unchecked Sendable {
    /// The process's set, consulted by every ``AtomicFile`` write.
    public static let shared = ProtectedInputs()

    private let lock = NSLock()
    private var entries: [FileEntry: String] = [:]
    /// Folders whose existing files are all inputs (a dataset), by real path.
    private var folders: [String] = []

    public init() {}

    /// Protects the entry `path` names, and the one it points to when it is a symbolic link.
    /// Paths that name no file (a built-in vocabulary's name, a folder) are passed over.
    public func protect(_ path: String) {
        guard PathKind.of(path) == .file else { return }
        let named = FileEntry(path)
        let target = FileEntry.target(of: path)
        lock.withLock {
            if entries[named] == nil { entries[named] = path }
            if let target, entries[target] == nil { entries[target] = path }
        }
    }

    /// Protects each path.
    public func protect<S: Sequence>(_ paths: S) where S.Element == String {
        for path in paths { protect(path) }
    }

    /// Protects every file that is in `folder` or below it (a dataset: its images, labels and id lists),
    /// as they are when a write would replace them. New files may still be written there.
    public func protect(folder: String) {
        guard PathKind.of(folder) == .folder else { return }
        let real = FileEntry.resolve(URL(fileURLWithPath: folder).standardizedFileURL.path)
        lock.withLock { folders.append(real == "/" ? "" : real) }
    }

    /// The input that writing `path` would replace, as it was given, or `nil`.
    public func input(replacedBy path: String) -> String? {
        let entry = FileEntry(path)
        let (named, inFolder) = lock.withLock { (entries[entry], folders.contains { entry.path.hasPrefix($0 + "/") }) }
        if let named { return named }
        return inFolder && PathKind.of(entry.path) == .file ? entry.path : nil
    }

    /// Forgets every protected path (tests).
    public func removeAll() {
        lock.withLock {
            entries.removeAll()
            folders.removeAll()
        }
    }
}
