import Foundation

/// Reads a text file that a person or a server wrote, with messages that say
/// what is wrong: a folder, a missing file, UTF-16, bytes that are not UTF-8,
/// or a file too large to be what it claims.
///
///     let answer = try TextFile.read("answers/2007_000033.txt")
public enum TextFile {
    /// Reads UTF-8 text (a UTF-8 byte-order mark is dropped). `limit` bounds the size in bytes.
    public static func read(_ path: String, limit: Int = 64 << 20) throws -> String {
        switch PathKind.of(path) {
        case .missing: throw TextFileError.missing(path)
        case .folder: throw TextFileError.isFolder(path)
        case .file: break
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TextFileError.unreadable(path, reason: (error as NSError).localizedFailureReason ?? "permission denied or I/O error")
        }
        return try decode(data, path: path, limit: limit)
    }

    /// Decodes bytes as UTF-8 text, or explains why they are not.
    public static func decode(_ data: Data, path: String, limit: Int = 64 << 20) throws -> String {
        if data.count > limit { throw TextFileError.tooLarge(path, bytes: data.count, limit: limit) }
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            throw TextFileError.notUTF8(
                path,
                detail:
                    "it is UTF-16 (byte-order mark \(data.starts(with: [0xFF, 0xFE]) ? "FF FE" : "FE FF")); convert it with `iconv "
                    + "-f UTF-16 -t UTF-8`"
            )
        }
        let bytes = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = firstInvalidUTF8Offset(bytes)
            let hint = bytes.prefix(4096).contains(0) ? " (it holds NUL bytes: binary, or UTF-16 without a byte-order mark?)" : ""
            throw TextFileError.notUTF8(path, detail: "byte \(offset) is not valid UTF-8\(hint)")
        }
        return text
    }

    static func firstInvalidUTF8Offset(_ bytes: Data.SubSequence) -> Int {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 0
            guard length > 0, i + length <= bytes.endIndex,
                String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil
            else { break }
            i += length
        }
        return i - bytes.startIndex
    }
}

/// Why a text file could not be read.
public enum TextFileError: Error, CustomStringConvertible, Sendable, Equatable {
    case missing(String)
    case isFolder(String)
    case unreadable(String, reason: String)
    case notUTF8(String, detail: String)
    case tooLarge(String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case let .missing(path): return "\(path): no such file"
        case let .isFolder(path): return "\(path) is a folder, not a file"
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .notUTF8(path, detail): return "\(path) is not UTF-8 text: \(detail)"
        case let .tooLarge(path, bytes, limit):
            return "\(path) is \(ByteCountText.format(bytes)), larger than the \(ByteCountText.format(limit)) a text input may be"
        }
    }
}

/// Byte counts for messages: "64 MiB", "5.2 MiB", "812 bytes".
public enum ByteCountText {
    public static func format(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return value == value.rounded() ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
    }
}
