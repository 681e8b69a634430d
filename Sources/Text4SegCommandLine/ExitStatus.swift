/// The exit statuses of text4seg's executables (README, "Exit status").
///
///     throw ExitCode(ExitStatus.nothingRan)
public enum ExitStatus {
    /// Every item was done.
    public static let success: Int32 = 0
    /// Some items failed; the others were written.
    public static let someFailed: Int32 = 1
    /// Nothing could run: bad vocabulary, no dataset, an empty dataset, configuration errors.
    public static let nothingRan: Int32 = 2
    /// A bad command line (ArgumentParser's `ValidationError` and parse errors).
    public static let usage: Int32 = 64
    /// Interrupted by Ctrl-C or SIGTERM; `--resume` finishes the rest.
    public static let interrupted: Int32 = 130
}
