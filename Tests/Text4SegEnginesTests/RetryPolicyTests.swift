import Foundation
import Text4SegCore
import Text4SegEngines
import XCTest

final class RetryPolicyTests: XCTestCase {
    func testRetryAfterSecondsAndDates() {
        XCTAssertEqual(RetryPolicy.parseRetryAfter("3"), 3)
        XCTAssertEqual(RetryPolicy.parseRetryAfter(" 0 "), 0)
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        XCTAssertEqual(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now)!, 30, accuracy: 0.001)
        XCTAssertNil(RetryPolicy.parseRetryAfter("soon"))
    }

    func testBackoffGrowsIsJitteredAndCapped() {
        let policy = RetryPolicy(maximumRetries: 6, initialDelay: 0.5, maximumDelay: 4)
        var rng = SplitMix64(seed: 1)
        for attempt in 0..<8 {
            let ceiling = min(4, 0.5 * pow(2, Double(attempt)))
            let delays = (0..<200).map { _ in policy.delay(attempt: attempt, retryAfter: nil, using: &rng) }
            XCTAssertTrue(delays.allSatisfy { $0 >= 0 && $0 <= ceiling }, "attempt \(attempt)")
            XCTAssertGreaterThan(Set(delays).count, 100, "jittered")
        }
        XCTAssertEqual(policy.delay(attempt: 0, retryAfter: "2", using: &rng), 2)
        XCTAssertEqual(policy.delay(attempt: 0, retryAfter: "120", using: &rng), 4, "Retry-After is capped")
        XCTAssertEqual(RetryPolicy.retryableStatuses, [408, 429, 500, 502, 503, 504])
    }

    func testTheAPIKeyComesFromTheEnvironmentInOrder() {
        XCTAssertEqual(OpenAISettings.environmentKey(["TEXT4SEG_API_KEY": "a", "OPENAI_API_KEY": "b"]), "a")
        XCTAssertEqual(OpenAISettings.environmentKey(["OPENAI_API_KEY": "b"]), "b")
        XCTAssertEqual(OpenAISettings.environmentKey(["TEXT4SEG_API_KEY": "", "OPENAI_API_KEY": "b"]), "b")
        XCTAssertNil(OpenAISettings.environmentKey([:]))
    }
}
