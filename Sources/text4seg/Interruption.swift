import ArgumentParser
import Dispatch
import Foundation
import Text4SegCore

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

    /// Runs `operation` as ``cancellable(_:)`` does and returns how it ended, so the caller can
    /// close what it opened (the progress line, a journal, the engine) before ``value(of:interrupted:)``.
    static func result<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async -> Result<T, Error> {
        do {
            return .success(try await cancellable(operation))
        } catch {
            return .failure(error)
        }
    }

    /// The value of a finished run, or its exit: an interruption says `interrupted` and exits
    /// ``ExitStatus/interrupted``; a run stopped because every item would fail alike exits
    /// ``ExitStatus/nothingRan``; any other error is thrown as it is.
    static func value<T>(of ran: Result<T, Error>, interrupted: String) throws -> T {
        switch ran {
        case let .success(value): return value
        case .failure(is CancellationError):
            warn(interrupted)
            throw ExitCode(ExitStatus.interrupted)
        case let .failure(stop as EvaluationStop):
            warn("error: \(stop)")
            throw ExitCode(ExitStatus.nothingRan)
        case let .failure(error): throw error
        }
    }
}
