import Foundation

/// Watches a pull against its ``DownloadLimits`` and reports its progress: the transfer
/// counts the bytes it writes, and ``watch()``, run beside it, wakes every quarter second,
/// reports, and throws once the pull passes its deadline or a body's rate over the last
/// window falls below the minimum. The caller cancels the transfer when it throws.
///
///     let watchdog = DownloadWatchdog(limits: limits, progress: nil)
///     async let _ = watchdog.watch()
///     watchdog.begin(file: "model.safetensors", size: 577_324, received: 0)
///     watchdog.add(16_384)
final class DownloadWatchdog: @unchecked Sendable {
    let limits: DownloadLimits
    let progress: (@Sendable (DownloadProgress) -> Void)?
    let start = ContinuousClock.now
    private let lock = NSLock()
    private var file: String?
    private var size = 0
    private var received = 0
    private var streamStart = ContinuousClock.now
    /// (time, bytes received) at each tick of the current body, the first at or before the window's start.
    private var samples: [(time: ContinuousClock.Instant, bytes: Int)] = []

    /// How often the limits are checked and progress reported.
    static let tick = Duration.milliseconds(250)
    /// The span of the rate shown in progress reports.
    static let displaySpan: Double = 5

    init(limits: DownloadLimits, progress: (@Sendable (DownloadProgress) -> Void)?) {
        self.limits = limits
        self.progress = progress
    }

    /// A body starts streaming, `received` bytes of `size` already there (a resumed part).
    func begin(file: String, size: Int, received: Int) {
        lock.withLock {
            self.file = file
            self.size = size
            self.received = received
            streamStart = .now
            samples = [(streamStart, received)]
        }
    }

    func add(_ count: Int) {
        lock.withLock { received += count }
    }

    /// The body ended (complete or not); a complete one gets its last report.
    func end(complete: Bool) {
        let report: DownloadProgress? = lock.withLock {
            defer { file = nil }
            guard let file, complete else { return nil }
            let seconds = (ContinuousClock.now - streamStart).seconds
            return DownloadProgress(
                file: file, received: received, size: size,
                rate: seconds > 0 ? Double(received - (samples.first?.bytes ?? 0)) / seconds : 0,
                finished: true)
        }
        if let report { progress?(report) }
    }

    /// Checks the limits every tick until cancelled; throws the limit that was passed.
    func watch() async throws {
        while true {
            try await Task.sleep(for: Self.tick)
            try check(at: .now)
        }
    }

    func check(at now: ContinuousClock.Instant) throws {
        let elapsed = (now - start).seconds
        let (report, failure): (DownloadProgress?, HubError?) = lock.withLock {
            let deadlineFailure =
                elapsed > limits.deadline
                ? HubError.deadlineExceeded(seconds: limits.deadline, file: file, received: received, size: size) : nil
            guard let file else { return (nil, deadlineFailure) }
            samples.append((now, received))
            let windowStart = now - .milliseconds(Int64(limits.rateWindow * 1000))
            while samples.count > 1, samples[1].time <= windowStart { samples.removeFirst() }
            var failure = deadlineFailure
            if failure == nil, limits.minimumRate > 0, (now - streamStart).seconds >= limits.rateWindow, let first = samples.first {
                let rate = Double(received - first.bytes) / max((now - first.time).seconds, 1e-3)
                if rate < Double(limits.minimumRate) {
                    failure = .tooSlow(
                        file: file, rate: Int(rate), window: limits.rateWindow, minimum: limits.minimumRate, received: received, size: size)
                }
            }
            let recent = samples.first { (now - $0.time).seconds <= Self.displaySpan } ?? samples[0]
            let span = (now - recent.time).seconds
            let rate = span > 0 ? Double(received - recent.bytes) / span : 0
            return (DownloadProgress(file: file, received: received, size: size, rate: rate, finished: false), failure)
        }
        if let failure { throw failure }
        if let report { progress?(report) }
    }
}
