import Foundation

/// Writes files so that readers see either the old file or the whole new one:
/// the bytes go to a temporary file in the same folder, which is then renamed into place.
/// A path that names a file the run reads (``ProtectedInputs``) is refused, whatever the caller planned.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        if let input = ProtectedInputs.shared.input(replacedBy: path) { throw OutputPlanError.replacesInput(output: path, input: input) }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temp = folder.appendingPathComponent(
                ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp")
            try create(temp.path, data)
            if rename(temp.path, url.path) != 0 {
                let code = errno
                try? FileManager.default.removeItem(at: temp)
                throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
            }
        } catch {
            throw OutputError.writeFailed(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Writes `data` into a new file at `path`: never through a link or over a file already
    /// there (`O_EXCL | O_NOFOLLOW`), so a name planted in advance cannot redirect the bytes.
    static func create(_ path: String, _ data: Data) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    unlink(path)
                    throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
                }
                offset += written
            }
        }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Removes temporary files that a killed writer left in `folder` (`.<name>.<pid>.<n>.tmp`
    /// whose process is gone). Returns how many were removed.
    @discardableResult
    public static func removeLeftovers(in folder: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), UInt32(parts[parts.count - 1]) != nil else { continue }
            // A live writer (another run in the same folder) keeps its file.
            if pid != ProcessInfo.processInfo.processIdentifier && kill(pid, 0) == 0 { continue }
            if (try? FileManager.default.removeItem(atPath: folder + "/" + name)) != nil { removed += 1 }
        }
        return removed
    }
}

/// Why an output could not be written.
public enum OutputError: Error, CustomStringConvertible, Sendable {
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .writeFailed(path, reason): return "cannot write \(path): \(reason)"
        }
    }
}
