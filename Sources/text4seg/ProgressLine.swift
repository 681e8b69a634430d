import Foundation
import Text4SegCore

/// The live progress of `eval` and `label` on standard error: on a terminal one line
/// rewritten in place (done/total, images/s, ETA, failures, retries); otherwise a plain
/// line every `every` items or every 30 s, so that logs of long runs show they are alive.
///
///     let progress = ProgressLine(verb: "eval", total: 290, mode: .automatic)
///     progress.finished(record)      // after each item
///     progress.end()
final class ProgressLine: @unchecked Sendable {
    enum Mode { case terminal, plain, quiet }

    let verb: String
    let total: Int
    let mode: Mode
    let every: Int
    let interval: Double
    private let lock = NSLock()
    private let start = Date()
    private var done = 0
    private var failed = 0
    private var retries = 0
    private var counted = 0
    private var countedFailed = 0
    private var lastDraw = Date.distantPast
    private var lastPlain = Date()
    private var drawn = false

    /// `quiet` wins; else a terminal on standard error gets the live line.
    init(verb: String, total: Int, quiet: Bool, every: Int = 50, interval: Double = 30) {
        self.verb = verb
        self.total = total
        self.every = max(1, every)
        self.interval = interval
        mode = quiet ? .quiet : (isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" ? .terminal : .plain)
    }

    /// Items taken from a journal count as done but not towards the speed.
    func resumed(_ count: Int) {
        lock.withLock { done += count }
    }

    func finished(failed itemFailed: Bool, retries itemRetries: Int) {
        let line: String? = lock.withLock {
            done += 1
            counted += 1
            if itemFailed {
                failed += 1
                countedFailed += 1
            }
            retries += itemRetries
            let now = Date()
            switch mode {
            case .quiet: return nil
            case .terminal:
                guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return nil }
                lastDraw = now
                drawn = true
                return "\r\u{1B}[K" + text(now)
            case .plain:
                guard done % every == 0 || done == total || now.timeIntervalSince(lastPlain) >= interval else { return nil }
                lastPlain = now
                return text(now) + "\n"
            }
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Prints a message on a line of its own (the live line is redrawn after it).
    func say(_ message: String) {
        clear()
        warn(message)
    }

    /// Clears the live line before something is printed on standard output (the same terminal);
    /// it is drawn again with the next item.
    func clear() {
        let clear = lock.withLock {
            defer { lastDraw = .distantPast }
            return mode == .terminal && drawn
        }
        if clear { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Ends the live line, so what follows starts on a line of its own.
    func end() {
        let close = lock.withLock { mode == .terminal && drawn }
        if close { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// `eval 120/290 (41%), 3.2 images/s, ETA 0:53, 1 failed, 2 retries`. The speed counts the
    /// items that were done, not those that failed at once (a missing file is no image per second).
    private func text(_ now: Date) -> String {
        let elapsed = max(1e-3, now.timeIntervalSince(start))
        let rate = Double(counted - countedFailed) / elapsed
        var parts = ["\(verb) \(done)/\(total) (\(total > 0 ? done * 100 / total : 100)%)"]
        if counted > countedFailed { parts.append(String(format: "%.1f images/s", rate)) }
        if done < total, rate > 0 { parts.append("ETA " + ProgressLine.clock(Double(total - done) / rate)) }
        if done == total { parts.append("took " + ProgressLine.clock(elapsed)) }
        if failed > 0 { parts.append("\(failed) failed") }
        if retries > 0 { parts.append("\(retries) retries") }
        return parts.joined(separator: ", ")
    }

    /// `0:53`, `12:04`, `3:02:10`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
