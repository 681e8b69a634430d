import ArgumentParser

/// `--shard I/N`: the items at positions I, I+N, I+2N, … of the split (0-based), so that
/// N machines share a split evenly and `eval merge` puts it back together.
struct Shard: ExpressibleByArgument, CustomStringConvertible, Sendable, Equatable {
    var index: Int
    var count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 100_000,
            (0..<count).contains(index)
        else { return nil }
        self.index = index
        self.count = count
    }

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Whether the item at `position` of the split belongs to this shard.
    func contains(_ position: Int) -> Bool { position % count == index }

    var description: String { "\(index)/\(count)" }

    static var defaultCompletionKind: CompletionKind { .default }
}
