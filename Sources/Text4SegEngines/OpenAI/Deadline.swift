import Foundation

/// Runs an operation with a deadline that holds whatever the operation does:
/// when time is up the caller gets ``DeadlineExceeded`` at once and the
/// operation is cancelled, without waiting for it to notice.
enum Deadline {
    static func run<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(
                    continuation,
                    work: Task { race.finish(await Result(awaiting: operation)) },
                    timer: Task {
                        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
                        race.finish(.failure(DeadlineExceeded(seconds: seconds)))
                    })
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The first result wins; the losers are cancelled.
    final class Race<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, Error>?
        private var early: Result<T, Error>?
        private var tasks: [Task<Void, Never>] = []
        private var done = false

        func start(_ continuation: CheckedContinuation<T, Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
            lock.lock()
            if let early {
                lock.unlock()
                work.cancel()
                timer.cancel()
                continuation.resume(with: early)
                return
            }
            self.continuation = continuation
            tasks = [work, timer]
            lock.unlock()
        }

        func finish(_ result: Result<T, Error>) {
            lock.lock()
            guard !done else {
                lock.unlock()
                return
            }
            done = true
            let continuation = self.continuation
            let tasks = self.tasks
            if continuation == nil { early = result }
            lock.unlock()
            for task in tasks { task.cancel() }
            continuation?.resume(with: result)
        }
    }
}

/// The whole exchange with the server took longer than `--timeout`.
struct DeadlineExceeded: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "no complete answer within --timeout \(String(format: "%g", seconds)) s" }
}

extension Result where Failure == Error {
    init(awaiting body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
