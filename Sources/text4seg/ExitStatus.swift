import Foundation
import Text4SegCommandLine
import Text4SegCore

/// The exit statuses, shared with `text4seg-bench`; every file of the CLI sees them.
typealias ExitStatus = Text4SegCommandLine.ExitStatus

/// Writes to standard error.
func warn(_ text: String) {
    FileHandle.standardError.write(Data((Redaction.redact(text) + "\n").utf8))
}
