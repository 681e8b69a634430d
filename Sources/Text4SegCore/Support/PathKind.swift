import Foundation

/// What is at a path: nothing, a folder or a file. Readers check it first so that a
/// missing file or a folder gets its own message instead of Foundation's error text.
public enum PathKind: Sendable {
    case missing, folder, file

    public static func of(_ path: String) -> PathKind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .missing }
        return isFolder.boolValue ? .folder : .file
    }
}
