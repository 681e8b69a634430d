import Foundation
import Text4SegCommandLine
import Text4SegCore

/// The exit statuses, shared with `text4seg-bench`; every file of the CLI sees them.
typealias ExitStatus = Text4SegCommandLine.ExitStatus

/// Writes a message to standard error: secrets redacted, and control characters that came in
/// with names and paths (ESC, CR, …) escaped, so that no file or class name drives the terminal.
func warn(_ text: String) {
    FileHandle.standardError.write(Data((TerminalText.escaped(Redaction.redact(text), keepingLineBreaks: true) + "\n").utf8))
}

/// Writes a line to standard output, control characters in it escaped as ``warn(_:)`` does.
func printEscaped(_ text: String) {
    print(TerminalText.escaped(text, keepingLineBreaks: true))
}
