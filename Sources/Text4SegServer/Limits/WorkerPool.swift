import Foundation
import NIOCore

/// Threads of the server's own for segmentations, so that decoding, the engine and refinement
/// never occupy Swift's cooperative pool: with one cooperative thread per core, a few long
/// segmentations there would stall `/health`, admission and every other request. Work runs
/// here through a task executor preference, so the whole segmentation (and any default actor
/// it calls) stays on these threads. Threads start with the first job.
///
///     let pool = WorkerPool(threads: 2)
///     let task = Task(executorPreference: pool) { try await segment(image) }
public final class WorkerPool: TaskExecutor, @unchecked Sendable {
    public let threads: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs = CircularBuffer<UnownedJob>()
    private var started = false
    private var stopping = false

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if !started {
            started = true
            for index in 0..<threads {
                let thread = Thread { [self] in loop() }
                thread.name = "text4seg-worker-\(index)"
                // The engines' and refiners' own recursion and stack buffers expect a main-sized stack.
                thread.stackSize = 8 << 20
                thread.start()
            }
        }
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the jobs already queued have run.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            guard let job = jobs.popFirst() else {
                condition.unlock()
                return
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
