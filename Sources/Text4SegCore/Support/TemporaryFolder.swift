import Foundation

/// A new private folder for temporary files, made by `mkdtemp`: mode 0700 and a random name
/// that did not exist before, so nothing planted in a shared temporary folder (a symbolic link
/// at a name derived from the process id) can redirect what text4seg writes there.
///
///     let folder = try TemporaryFolder.make(prefix: "text4seg-predictions-")
///     defer { try? FileManager.default.removeItem(atPath: folder) }
public enum TemporaryFolder {
    /// Makes the folder inside `parent` (by default `$TMPDIR`, else `/tmp`) and returns its path.
    public static func make(prefix: String, in parent: String = NSTemporaryDirectory()) throws -> String {
        let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
        var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard made != nil else {
            throw TemporaryFolderError(parent: base, reason: String(cString: strerror(errno)))
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Why no temporary folder could be made.
public struct TemporaryFolderError: Error, CustomStringConvertible, Sendable {
    public var parent: String
    public var reason: String

    public var description: String { "cannot make a temporary folder in \(parent): \(reason)" }
}
