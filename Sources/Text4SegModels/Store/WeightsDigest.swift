import Crypto
import Foundation
import Text4SegCore

/// The full SHA-256 of a weights file, computed once and kept in a small record under the
/// model store, keyed by the file's device, inode, size, modification and change times: a file
/// changed in any way (even one tensor in the middle, even with its modification time put back)
/// gets a new change time, so its record no longer matches and it is hashed again. `models pull`
/// records the hash the Hub gave; a `--model-dir` file is hashed on first use, 4 MiB at a time.
///
///     let digests = WeightsDigest(folder: store.folder + "/weights-sha256")
///     let hex = try digests.sha256(of: folder + "/model.safetensors")   // 64 hex digits
public struct WeightsDigest: Sendable {
    /// Where the records are: one JSON file per weights file, named by the hash of its real path.
    public let folder: String

    /// The records' folder under the model store.
    public static let storeFolderName = "weights-sha256"

    public init(folder: String) { self.folder = folder }

    /// What identifies one version of a file without reading it.
    struct Identity: Codable, Equatable {
        var path: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64
    }

    struct Record: Codable {
        var identity: Identity
        var sha256: String
    }

    static func identity(of path: String) throws -> Identity {
        var status = stat()
        guard stat(path, &status) == 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return Identity(
            path: real, device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modified: Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec),
            changed: Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec))
    }

    func recordPath(for identity: Identity) -> String {
        folder + "/" + SHA256.hash(data: Data(identity.path.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined() + ".json"
    }

    /// The file's SHA-256 (hex): from its record while the file is unchanged, else computed and recorded.
    public func sha256(of path: String) throws -> String {
        let identity = try Self.identity(of: path)
        if let data = FileManager.default.contents(atPath: recordPath(for: identity)),
            let record = try? JSONDecoder().decode(Record.self, from: data), record.identity == identity,
            record.sha256.count == 64, record.sha256.allSatisfy(\.isHexDigit)
        {
            return record.sha256
        }
        let digest = try Self.compute(path)
        // The file may have changed while it was read: only a hash of one version is kept.
        if try Self.identity(of: path) == identity { try? write(Record(identity: identity, sha256: digest)) }
        return digest
    }

    /// Records a hash known to be the file's (the one the Hub gave and the download was checked against).
    public func record(_ path: String, sha256: String) throws {
        try write(Record(identity: try Self.identity(of: path), sha256: sha256.lowercased()))
    }

    func write(_ record: Record) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try JSONEncoder().encode(record), to: recordPath(for: record.identity))
    }

    /// The SHA-256 of a file, read 4 MiB at a time.
    public static func compute(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw WeightsError.unreadable(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
