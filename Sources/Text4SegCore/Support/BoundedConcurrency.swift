/// Runs work on many items with at most `limit` in flight, handing each result to one
/// serial consumer in completion order. `label` and `eval` both go through it.
///
/// Once the surrounding task is cancelled, results that arrive are dropped (an item cut
/// short is neither written nor journaled, so a resumed run redoes it) and the call
/// throws `CancellationError`.
///
///     try await BoundedConcurrency.forEach(paths, limit: 4) { path in await work(path) } handle: { path, result in … }
public enum BoundedConcurrency {
    public static func forEach<Item: Sendable, Output: Sendable>(
        _ items: [Item], limit: Int,
        _ work: @escaping @Sendable (Item) async -> Output,
        handle: (Item, Output) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask { (index, await work(items[index])) }
            }
            while next < items.count && next < max(1, limit) { launch() }
            while let (index, output) = try await group.next() {
                if Task.isCancelled { continue }
                try await handle(items[index], output)
                if next < items.count { launch() }
            }
        }
        try Task.checkCancellation()
    }
}
