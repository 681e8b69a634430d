/// Where one file's transfer stands, for a progress display: bytes so far of the declared
/// size, the recent rate, and the time left at that rate.
///
///     hub.progress = { p in print("\(p.file) \(p.received)/\(p.size) \(p.rate) B/s ETA \(p.secondsLeft ?? -1)") }
public struct DownloadProgress: Sendable, Equatable {
    public var file: String
    public var received: Int
    public var size: Int
    /// Bytes per second over the last few seconds.
    public var rate: Double
    /// Seconds to the end at `rate`, when the rate is not zero.
    public var secondsLeft: Double? { rate > 0 ? Double(max(0, size - received)) / rate : nil }
    /// Whether the file is complete (the last report of each file).
    public var finished: Bool

    public init(file: String, received: Int, size: Int, rate: Double, finished: Bool) {
        self.file = file
        self.received = received
        self.size = size
        self.rate = rate
        self.finished = finished
    }
}
