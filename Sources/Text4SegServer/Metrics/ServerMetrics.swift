import Foundation
import Prometheus

/// What `/metrics` reports, in Prometheus's text format: requests by route and status,
/// latencies, requests in flight and waiting, and failures by kind.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let waiting: Gauge
    static let buckets: [Duration] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .milliseconds(Int($0 * 1000)) }
    static let routes = [
        "segment", "predict", "setup", "webhook", "versions", "health", "vocabularies", "metrics", "openapi", "page", "other",
    ]

    public init() {
        inFlight = registry.makeGauge(name: "text4seg_requests_in_flight", help: "Requests being answered now.")
        waiting = registry.makeGauge(name: "text4seg_segmentations_waiting", help: "Segmentations waiting for a worker.")
        for route in Self.routes {
            _ = registry.makeDurationHistogram(
                name: "text4seg_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets,
                help: "Seconds from a request's head to its answer.")
        }
    }

    /// Counts one answered request.
    func record(route: String, status: Int, seconds: Duration) {
        registry.makeCounter(
            name: "text4seg_requests_total", labels: [("route", route), ("status", "\(status)")], help: "Requests answered."
        ).increment()
        registry.makeDurationHistogram(
            name: "text4seg_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets,
            help: "Seconds from a request's head to its answer."
        ).record(seconds)
    }

    /// Counts one failure by its kind (``ServeError/kind``).
    func failed(kind: String) {
        registry.makeCounter(name: "text4seg_failures_total", labels: [("kind", kind)], help: "Failed requests by kind.").increment()
    }

    func started() { inFlight.increment() }
    func ended() { inFlight.decrement() }
    func setWaiting(_ count: Int) { waiting.set(to: Double(count)) }

    /// The text `/metrics` answers.
    public func exposition() -> String { registry.emitToString() }
}
