import Foundation

/// A flag that can be claimed once, from any thread: for something done or said once per
/// run (shutting a client down, a warning).
///
///     let warned = OnceFlag()
///     if warned.claim() { warn("…") }   // true the first time only
public final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    public init() {}

    /// True the first time only.
    public func claim() -> Bool {
        lock.withLock {
            defer { claimed = true }
            return !claimed
        }
    }
}
