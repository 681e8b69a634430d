import Foundation

/// Lets at most `workers` segmentations run at once and `queue` more wait; a request past
/// that is refused at once (the server answers 429 with Retry-After). A waiting request whose
/// task is cancelled (its client went away, its time ran out) leaves the queue, and a running
/// one frees its slot when its work ends, however it ends.
///
///     let gate = AdmissionGate(workers: 2, queue: 8)
///     let result = try await gate.run { try await segment(image) }
public actor AdmissionGate {
    public let workers: Int
    public let queue: Int
    private var running = 0
    private var waiting: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    public init(workers: Int, queue: Int) {
        self.workers = max(1, workers)
        self.queue = max(0, queue)
    }

    /// Requests running and waiting now.
    public var load: (running: Int, waiting: Int) { (running, waiting.count) }

    /// Runs `work` when a worker is free.
    /// - Throws: ``ServeError/busy`` when the queue is full; `CancellationError` when cancelled while waiting.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await work()
    }

    private func acquire() async throws {
        try Task.checkCancellation()
        if running < workers {
            running += 1
            return
        }
        guard waiting.count < queue else { throw ServeError.busy(retryAfter: 1 + waiting.count / max(1, workers)) }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiting.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiting(id) }
        }
    }

    private func cancelWaiting(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Hands the slot to the first waiting request, or frees it.
    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().continuation.resume()
        }
    }
}
