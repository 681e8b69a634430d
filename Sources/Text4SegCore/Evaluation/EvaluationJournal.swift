import Foundation

/// An append-only record of finished evaluation items (JSON lines), so an
/// interrupted evaluation resumes without redoing them.
///
/// The first line holds the settings; resuming with other settings is refused.
/// Each further line is one finished item with its sparse confusion counts. A
/// torn last line (the process died mid-write) is ignored.
public actor EvaluationJournal {
    struct Header: Codable {
        var journal: Int
        var fingerprint: RunFingerprint
    }

    /// The journal format; older journals (a settings string) are refused with a message.
    static let version = 2

    let path: String
    let handle: FileHandle

    /// Opens (or creates) a journal. Returns the entries already finished when resuming.
    public static func open(path: String, fingerprint: RunFingerprint, resume: Bool) throws -> (EvaluationJournal, [String: ItemRecord]) {
        let fm = FileManager.default
        var finished: [String: ItemRecord] = [:]
        if resume, fm.fileExists(atPath: path) {
            let text: String
            do {
                text = try TextFile.read(path, limit: Int.max)
            } catch {
                throw JournalError.unreadable(path, reason: "\(error)")
            }
            finished = try parse(text, path: path, fingerprint: fingerprint)
            // Rewrite without failed or torn lines, so the file stays valid to append to.
            var rewritten = try jsonLine(Header(journal: version, fingerprint: fingerprint))
            for entry in finished.values.sorted(by: { $0.id < $1.id }) { rewritten += try jsonLine(entry) }
            try AtomicFile.write(rewritten, to: path)
        } else {
            try AtomicFile.write(try jsonLine(Header(journal: version, fingerprint: fingerprint)), to: path)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw JournalError.unreadable(path, reason: "cannot open it for writing")
        }
        handle.seekToEndOfFile()
        return (EvaluationJournal(path: path, handle: handle), finished)
    }

    /// The finished entries of a journal's text (lines may end in `\n`, `\r\n` or `\r`). The
    /// header must match `fingerprint`; failed entries and lines that do not decode (a torn last
    /// line) are skipped; an entry whose numbers are out of range (``ItemRecord/validate(_:field:)``)
    /// is refused with a ``FieldRangeError`` naming the journal and the line.
    public static func parse(_ text: String, path: String, fingerprint: RunFingerprint) throws -> [String: ItemRecord] {
        let lines = TextLines.split(text, omittingEmpty: false).enumerated().filter { !$0.element.isEmpty }
        let decoder = JSONDecoder()
        guard let first = lines.first?.element else { return [:] }
        guard let header = try? decoder.decode(Header.self, from: Data(first.utf8)), header.journal == version else {
            throw JournalError.unreadable(path, reason: "its first line is not a text4seg journal header of version \(version)")
        }
        let changed = fingerprint.differences(from: header.fingerprint)
        guard changed.isEmpty else {
            throw JournalError.settingsChanged(path: path, differences: changed)
        }
        var finished: [String: ItemRecord] = [:]
        for (offset, line) in lines.dropFirst() {
            if let entry = try? decoder.decode(ItemRecord.self, from: Data(line.utf8)), entry.failed == nil {
                try entry.validate(FieldCheck(file: "\(path):\(offset + 1)"), field: "")
                finished[entry.id] = entry
            }
        }
        return finished
    }

    init(path: String, handle: FileHandle) {
        self.path = path
        self.handle = handle
    }

    public func record(_ entry: ItemRecord) throws {
        handle.write(Data(try EvaluationJournal.jsonLine(entry).utf8))
    }

    public func close() {
        try? handle.synchronize()
        try? handle.close()
    }

    static func jsonLine<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// Why a journal could not be used.
public enum JournalError: Error, CustomStringConvertible, Sendable {
    case unreadable(String, reason: String)
    case settingsChanged(path: String, differences: [String])

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): not a usable evaluation journal: \(reason)"
        case let .settingsChanged(path, differences):
            let shown =
                differences.prefix(12).joined(separator: "; ") + (differences.count > 12 ? "; and \(differences.count - 12) more" : "")
            return
                "\(path) was written with other settings (\(shown)). Resume with the same settings, or remove it (or run without "
                + "--resume) to start over."
        }
    }
}
