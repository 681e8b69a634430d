import Dispatch
import Foundation

/// Runs an operation that Ctrl-C (SIGINT) or SIGTERM cancels instead of killing:
/// what has finished stays written, and the operation sees a `CancellationError`.
enum Interruption {
    /// Seconds between the signal and the end of the process, at most.
    static let graceSeconds = 1.5

    static func cancellable<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await operation() }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                warn("interrupted: stopping; finished items are kept")
                task.cancel()
                // Work inside one image (a refiner, a forward pass) does not look at cancellation;
                // finished items are already on disk, so after a short grace the process just ends.
                DispatchQueue.global().asyncAfter(deadline: .now() + graceSeconds) {
                    warn("interrupted: stopped; run the same command with --resume to finish the rest")
                    exit(ExitStatus.interrupted)
                }
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
