import Foundation
import NIOCore
import Synchronization

/// How many requests the server holds and how many segment at once. A request takes one of
/// `workers + queue` places when it arrives, before its body is read, so the queue bounds
/// memory as well as waiting; past that it is refused at once (the server answers 429 with a
/// Retry-After from the measured time a segmentation takes). Each segmentation then waits
/// for one of `workers` slots. A waiting segmentation whose task is cancelled (its client went
/// away, its time ran out) leaves the line; a running one keeps its slot until its work ends,
/// because its thread is busy until then.
///
///     let gate = AdmissionGate(workers: 2, queue: 8)
///     let answer = try await gate.run { try await segment(image) }
public final class AdmissionGate: Sendable {
    public let workers: Int
    public let queue: Int
    private let onWaiting: @Sendable (Int) -> Void

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var admitted = 0
        var running = 0
        var waiters = CircularBuffer<Waiter>()
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
        /// Seconds a segmentation holds a worker, averaged (exponentially, over about the last ten).
        var averageSeconds: Double?
    }
    private let state = Mutex(State())

    /// - Parameter onWaiting: told the number of segmentations waiting for a worker whenever it changes.
    public init(workers: Int, queue: Int, onWaiting: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.workers = max(1, workers)
        self.queue = max(0, queue)
        self.onWaiting = onWaiting
    }

    /// Requests admitted, segmentations running and segmentations waiting, now.
    public var load: (admitted: Int, running: Int, waiting: Int) {
        state.withLock { ($0.admitted, $0.running, $0.waiters.count) }
    }

    /// Runs `body` holding one of the `workers + queue` places.
    /// - Throws: ``ServeError/busy(retryAfter:)`` when every place is taken.
    public func admit<T>(_ body: () async throws -> T) async throws -> T {
        try state.withLock { state throws(ServeError) in
            guard state.admitted < workers + queue else { throw .busy(retryAfter: retryAfter(state)) }
            state.admitted += 1
        }
        defer { state.withLock { $0.admitted -= 1 } }
        return try await body()
    }

    /// Admits a request and runs `work` on a worker slot: ``admit(_:)`` around ``withWorker(_:)``.
    public func run<T>(_ work: () async throws -> T) async throws -> T {
        try await admit { try await withWorker(work) }
    }

    /// Runs `work` when a worker slot is free.
    /// - Throws: `CancellationError` when cancelled while waiting.
    public func withWorker<T>(_ work: () async throws -> T) async throws -> T {
        try await acquire()
        let started = ContinuousClock.now
        defer { release(seconds: (ContinuousClock.now - started).seconds) }
        try Task.checkCancellation()
        return try await work()
    }

    private func retryAfter(_ state: State) -> Int {
        guard let average = state.averageSeconds else { return 1 }
        let seconds = average * Double(state.waiters.count + workers) / Double(workers)
        return Int(min(3600, max(1, seconds.rounded(.up))))
    }

    private func acquire() async throws {
        try Task.checkCancellation()
        let id: UInt64? = state.withLock { state in
            if state.running < workers {
                state.running += 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Now { case wait, go, cancel }
                let (now, waiting) = state.withLock { state -> (Now, Int) in
                    if state.cancelled.remove(id) != nil { return (.cancel, state.waiters.count) }
                    if state.running < workers {
                        state.running += 1
                        return (.go, state.waiters.count)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return (.wait, state.waiters.count)
                }
                switch now {
                case .wait: onWaiting(waiting)
                case .go: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let (waiter, waiting) = state.withLock { state -> (Waiter?, Int) in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return (state.waiters.remove(at: index), state.waiters.count)
                }
                state.cancelled.insert(id)
                return (nil, state.waiters.count)
            }
            if let waiter {
                onWaiting(waiting)
                waiter.continuation.resume(throwing: CancellationError())
            }
        }
        // A cancellation that came after the slot was granted leaves no mark behind.
        _ = state.withLock { $0.cancelled.remove(id) }
    }

    /// Hands the slot to the first waiting segmentation, or frees it.
    private func release(seconds: Double) {
        let (next, waiting) = state.withLock { state -> (Waiter?, Int) in
            state.averageSeconds = state.averageSeconds.map { 0.9 * $0 + 0.1 * seconds } ?? seconds
            if let next = state.waiters.popFirst() { return (next, state.waiters.count) }
            state.running -= 1
            return (nil, state.waiters.count)
        }
        if let next {
            onWaiting(waiting)
            next.continuation.resume()
        }
    }
}
