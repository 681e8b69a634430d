import Foundation
import Text4SegServer
import XCTest

/// The gate lets `workers` run and `queue` wait, refuses the next at once, and gives a slot
/// back however a request ends: finished, failed, or cancelled while waiting.
final class AdmissionGateTests: XCTestCase {
    /// A latch a test opens by hand.
    actor Latch {
        var open = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if open { return }
            await withCheckedContinuation { waiters.append($0) }
        }
        func release() {
            open = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    func waitUntil(_ gate: AdmissionGate, running: Int, waiting: Int) async throws {
        for _ in 0..<500 {
            let load = gate.load
            if load.running == running && load.waiting == waiting { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        let load = gate.load
        XCTFail("load is \(load), expected running \(running), waiting \(waiting)")
    }

    func testTheQueueBoundsWaitersAndTheNextIsRefusedWithRetryAfter() async throws {
        let gate = AdmissionGate(workers: 1, queue: 1)
        let latch = Latch()
        let first = Task { try await gate.run { await latch.wait() } }
        try await waitUntil(gate, running: 1, waiting: 0)
        let second = Task { try await gate.run { 2 } }
        try await waitUntil(gate, running: 1, waiting: 1)
        do {
            _ = try await gate.run { 3 }
            XCTFail("a third request must be refused")
        } catch let error as ServeError {
            guard case let .busy(seconds) = error else { return XCTFail("\(error)") }
            XCTAssertGreaterThanOrEqual(seconds, 1)
            XCTAssertEqual(error.status.code, 429)
        }
        await latch.release()
        try await first.value
        let answer = try await second.value
        XCTAssertEqual(answer, 2)
        try await waitUntil(gate, running: 0, waiting: 0)
    }

    func testAWaiterCancelledLeavesTheQueueAndAFailedRunFreesItsSlot() async throws {
        let gate = AdmissionGate(workers: 1, queue: 1)
        let latch = Latch()
        let first = Task { try await gate.run { await latch.wait() } }
        try await waitUntil(gate, running: 1, waiting: 0)
        let waiter = Task { try await gate.run { 1 } }
        try await waitUntil(gate, running: 1, waiting: 1)
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("a cancelled waiter must not run")
        } catch is CancellationError {}
        try await waitUntil(gate, running: 1, waiting: 0)
        await latch.release()
        try await first.value
        struct Failure: Error {}
        do {
            _ = try await gate.run { throw Failure() }
        } catch is Failure {}
        try await waitUntil(gate, running: 0, waiting: 0)
        let answer = try await gate.run { 7 }
        XCTAssertEqual(answer, 7)
    }

    func testAQueueOfZeroRefusesAsSoonAsTheWorkersAreBusy() async throws {
        let gate = AdmissionGate(workers: 2, queue: 0)
        let latch = Latch()
        let a = Task { try await gate.run { await latch.wait() } }
        let b = Task { try await gate.run { await latch.wait() } }
        try await waitUntil(gate, running: 2, waiting: 0)
        do {
            _ = try await gate.run { 0 }
            XCTFail("must be refused")
        } catch ServeError.busy {}
        await latch.release()
        try await a.value
        try await b.value
    }
}
