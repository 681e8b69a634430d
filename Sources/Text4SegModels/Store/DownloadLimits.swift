/// How slow and how long a `models pull` may be before it is given up: a minimum rate over a
/// sliding window of a body's transfer (a hub that trickles a byte a second fails instead of
/// hanging), and a deadline for the whole pull. What was received stays in the staging folder,
/// so the same command resumes it.
///
///     let limits = try DownloadLimits(minimumRate: 1024, rateWindow: 60, deadline: 10_800)
public struct DownloadLimits: Sendable, Equatable {
    /// Bytes per second a body must average over each `rateWindow`; 0 turns the check off.
    public var minimumRate: Int
    /// Seconds over which the rate is measured.
    public var rateWindow: Double
    /// Seconds the whole pull may take.
    public var deadline: Double

    public static let defaultMinimumRate = 1024
    public static let defaultRateWindow: Double = 60
    public static let defaultDeadline: Double = 10_800
    public static let minimumRateRange = 0...(1 << 40)
    public static let rateWindowRange: ClosedRange<Double> = 1...3600
    public static let deadlineRange: ClosedRange<Double> = 1...604_800

    public static let defaults = DownloadLimits(
        checkedMinimumRate: defaultMinimumRate, rateWindow: defaultRateWindow, deadline: defaultDeadline)

    /// Checks each value against its range; the error names the setting.
    public init(minimumRate: Int, rateWindow: Double, deadline: Double) throws {
        guard Self.minimumRateRange.contains(minimumRate) else {
            throw DownloadLimitsError(
                setting: "min-rate", value: "\(minimumRate)", range: "0 (off) to \(Self.minimumRateRange.upperBound) bytes/s")
        }
        guard rateWindow.isFinite, Self.rateWindowRange.contains(rateWindow) else {
            throw DownloadLimitsError(setting: "rate-window", value: "\(rateWindow)", range: "1 to 3600 s")
        }
        guard deadline.isFinite, Self.deadlineRange.contains(deadline) else {
            throw DownloadLimitsError(setting: "deadline", value: "\(deadline)", range: "1 to 604800 s (a week)")
        }
        self.init(checkedMinimumRate: minimumRate, rateWindow: rateWindow, deadline: deadline)
    }

    private init(checkedMinimumRate: Int, rateWindow: Double, deadline: Double) {
        minimumRate = checkedMinimumRate
        self.rateWindow = rateWindow
        self.deadline = deadline
    }
}

/// A download limit outside its range.
public struct DownloadLimitsError: Error, CustomStringConvertible, Sendable {
    public var setting: String
    public var value: String
    public var range: String
    public var description: String { "--\(setting) must be \(range) (got \(value))" }
}
