import Foundation
import Text4SegModels

/// How `models pull` shows a download on standard error: on a terminal one line rewritten in
/// place (bytes, rate, ETA); otherwise a plain line every `interval` seconds, so that a log of a
/// slow pull shows it is alive without filling up.
///
///     hub.progress = PullProgress(interval: 10).report
final class PullProgress: @unchecked Sendable {
    let terminal: Bool
    let interval: Double
    private let lock = NSLock()
    private var lastPlain = Date()
    private var drawn = false

    init(interval: Double = 10) {
        self.interval = interval
        terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    func report(_ progress: DownloadProgress) {
        let line: String? = lock.withLock {
            if terminal {
                if progress.finished {
                    defer { drawn = false }
                    return drawn ? "\r\u{1B}[K" : nil
                }
                drawn = true
                return "\r\u{1B}[K" + Self.text(progress)
            }
            guard !progress.finished, Date().timeIntervalSince(lastPlain) >= interval else { return nil }
            lastPlain = Date()
            return Self.text(progress) + "\n"
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// `model.safetensors: 12.3 MB of 577.3 MB (2%), 4.1 MB/s, ETA 2m 10s`.
    static func text(_ p: DownloadProgress) -> String {
        let percent = p.size > 0 ? " (\(Int(Double(p.received) * 100 / Double(p.size)))%)" : ""
        let eta = p.secondsLeft.map { ", ETA " + duration($0) } ?? ""
        return "\(p.file): \(bytes(Double(p.received))) of \(bytes(Double(p.size)))\(percent), \(bytes(p.rate))/s\(eta)"
    }

    static func bytes(_ value: Double) -> String {
        switch value {
        case ..<1000: return "\(Int(value)) B"
        case ..<1e6: return String(format: "%.1f kB", value / 1e3)
        case ..<1e9: return String(format: "%.1f MB", value / 1e6)
        default: return String(format: "%.2f GB", value / 1e9)
        }
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e7 else { return "unknown" }
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        return "\(s / 3600)h \(s / 60 % 60)m"
    }
}
