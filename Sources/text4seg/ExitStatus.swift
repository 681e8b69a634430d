import Foundation
import Text4SegCore

/// Writes a message to standard error: secrets redacted, and control characters that came in
/// with names and paths (ESC, CR, …) escaped, so that no file or class name drives the terminal.
func warn(_ text: String) {
    FileHandle.standardError.write(Data((TerminalText.escaped(Redaction.redact(text), keepingLineBreaks: true) + "\n").utf8))
}

/// Writes a line to standard output, control characters in it escaped as ``warn(_:)`` does.
func printEscaped(_ text: String) {
    print(TerminalText.escaped(text, keepingLineBreaks: true))
}

/// The exit statuses of `label`, `eval` and the other commands (README, "Exit status").
enum ExitStatus {
    /// Every item was done.
    static let success: Int32 = 0
    /// Some items failed; the others were written.
    static let someFailed: Int32 = 1
    /// Nothing could run: bad vocabulary, no dataset, an empty dataset, configuration errors.
    static let nothingRan: Int32 = 2
    /// A bad command line (ArgumentParser's `ValidationError`).
    static let usage: Int32 = 64
    /// Interrupted by Ctrl-C or SIGTERM; `--resume` finishes the rest.
    static let interrupted: Int32 = 130
}
