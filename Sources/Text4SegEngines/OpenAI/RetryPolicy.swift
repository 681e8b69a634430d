import Foundation

/// When and how long to wait before sending a request again.
///
/// Connection errors and the statuses 408, 429, 500, 502, 503 and 504 are
/// retried with exponential backoff and full jitter; a `Retry-After` header
/// (seconds or an HTTP date) takes precedence, capped at ``maximumDelay``.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts after the first one.
    public var maximumRetries: Int
    public var initialDelay: Double
    public var maximumDelay: Double

    public init(maximumRetries: Int = 6, initialDelay: Double = 0.5, maximumDelay: Double = 30) {
        self.maximumRetries = maximumRetries
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    public static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// Seconds to wait before retry number `attempt` (0-based).
    public func delay<R: RandomNumberGenerator>(attempt: Int, retryAfter: String?, using generator: inout R) -> Double {
        if let retryAfter, let seconds = RetryPolicy.parseRetryAfter(retryAfter) {
            return min(max(0, seconds), maximumDelay)
        }
        let ceiling = min(maximumDelay, initialDelay * pow(2, Double(attempt)))
        return Double.random(in: 0...ceiling, using: &generator)
    }

    /// `Retry-After` is either delta-seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return date.timeIntervalSince(now)
    }
}
