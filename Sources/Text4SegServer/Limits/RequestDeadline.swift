import Foundation
import Synchronization

/// When a request must be answered by, and the waits that honour it: the answer goes out when
/// the work ends, when the deadline passes (503) or when the client goes (499), whichever comes
/// first. Work that is still running then is cancelled and keeps its worker until it stops.
///
///     let deadline = RequestDeadline(seconds: 120)
///     let outcome = try await deadline.wait(for: task, watch: watch)
public struct RequestDeadline: Sendable {
    public let seconds: Double
    public let instant: ContinuousClock.Instant

    public init(seconds: Double, from start: ContinuousClock.Instant = .now) {
        self.seconds = seconds
        instant = start + .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// The value of `task`, unless the deadline passes or the client goes first.
    public func wait<T: Sendable>(for task: Task<T, any Error>, watch: ConnectionWatch?) async throws -> T {
        let first = FirstOutcome<T>()
        // Ends with the work; it holds nothing past it.
        Task {
            do { first.resolve(.success(try await task.value)) } catch { first.resolve(.failure(error)) }
        }
        let seconds = seconds
        let timer = Task { [instant] in
            guard (try? await Task.sleep(until: instant)) != nil else { return }
            first.resolve(.failure(ServeError.timedOut(seconds: seconds)))
        }
        let observation = watch?.observe { first.resolve(.failure(ServeError.cancelled)) }
        defer {
            timer.cancel()
            watch?.stopObserving(observation)
        }
        let result = await withTaskCancellationHandler {
            await first.value
        } onCancel: {
            first.resolve(.failure(ServeError.cancelled))
        }
        if case .failure = result { task.cancel() }
        return try result.get()
    }

    /// `read()`, unless the deadline passes first (then ``ServeError/bodyTimedOut(seconds:)``).
    /// `read` must end when cancelled.
    public func reading<T: Sendable>(_ read: @escaping @Sendable () async throws -> T) async throws -> T {
        let seconds = seconds
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await read() }
            group.addTask { [instant] in
                try await Task.sleep(until: instant)
                return nil
            }
            defer { group.cancelAll() }
            guard let value = try await group.next(), let value else { throw ServeError.bodyTimedOut(seconds: seconds) }
            return value
        }
    }
}

/// A result that the first of several racers sets; later ones are ignored.
final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var continuation: CheckedContinuation<Result<T, any Error>, Never>?
    }
    private let state = Mutex(State())

    func resolve(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: result)
    }

    var value: Result<T, any Error> {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<T, any Error>? in
                    if let result = state.result { return result }
                    state.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
