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

    /// What a resumed run starts from: the finished entries and the file they came from.
    public struct Resumed: Sendable {
        public var finished: [String: ItemRecord] = [:]
        /// The journal or, when a finished run removed its journal, the report; `nil` on a fresh start.
        public var source: String?

        public init(finished: [String: ItemRecord] = [:], source: String? = nil) {
            self.finished = finished
            self.source = source
        }
    }

    /// Opens (or creates) a journal. When resuming, returns the entries already finished: those of
    /// the journal at `path` or, when there is none (a whole report removes it), those of the JSON
    /// `report` an earlier run wrote, whose settings must match `fingerprint` just as a journal's must.
    public static func open(
        path: String, fingerprint: RunFingerprint, resume: Bool, report: String? = nil
    ) throws -> (EvaluationJournal, Resumed) {
        let fm = FileManager.default
        var resumed = Resumed()
        if resume, fm.fileExists(atPath: path) {
            let text: String
            do {
                text = try TextFile.read(path, limit: Int.max)
            } catch {
                throw JournalError.unreadable(path, reason: "\(error)")
            }
            resumed = Resumed(finished: try parse(text, path: path, fingerprint: fingerprint), source: path)
        } else if resume, let report, fm.fileExists(atPath: report) {
            resumed = Resumed(finished: try finished(inReport: report, fingerprint: fingerprint), source: report)
        }
        // Rewritten without failed or torn lines, so the file stays valid to append to.
        var text = try jsonLine(Header(journal: version, fingerprint: fingerprint))
        for entry in resumed.finished.values.sorted(by: { $0.id < $1.id }) { text += try jsonLine(entry) }
        try AtomicFile.write(text, to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw JournalError.unreadable(path, reason: "cannot open it for writing")
        }
        handle.seekToEndOfFile()
        return (EvaluationJournal(path: path, handle: handle), resumed)
    }

    /// The evaluated items of a report `eval` wrote (read by ``EvaluationReport/read(_:)``), refused when it was written with settings other than `fingerprint`'s.
    public static func finished(inReport path: String, fingerprint: RunFingerprint) throws -> [String: ItemRecord] {
        let report = try EvaluationReport.read(path)
        // The report adds how it scored (protocol, label 0) to the settings that decide each item's counts.
        var settings = report.settings
        for key in EvaluationReport.scoringSettings { settings[key] = nil }
        let changed = fingerprint.differences(from: RunFingerprint(settings))
        guard changed.isEmpty else { throw JournalError.settingsChanged(path: path, differences: changed) }
        var finished: [String: ItemRecord] = [:]
        for item in report.items where item.record.failed == nil && (item.record.counts != nil || item.record.refer != nil) {
            finished[item.record.id] = item.record
        }
        return finished
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
                "\(path) was written with other settings (\(shown)). Resume with the same settings, or run without --resume "
                + "to start over."
        }
    }
}
