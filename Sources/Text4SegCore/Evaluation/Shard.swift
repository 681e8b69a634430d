/// One part of a split run on several machines: the items at positions `index`, `index + count`,
/// `index + 2·count`, … of the split (0-based, round-robin, so the parts are balanced), written
/// `I/N` on the command line (`eval --shard 1/4`) and in a report's `dataset.shard`.
///
///     let shard = Shard("1/4")!   // items 1, 5, 9, …
///     shard.contains(5)           // true
public struct Shard: CustomStringConvertible, Sendable, Hashable {
    /// The most parts a split is cut into.
    public static let maxCount = 100_000

    public var index: Int
    public var count: Int

    /// `I/N` with `0 ≤ I < N ≤ ``maxCount```, or `nil`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    /// Shard `index` of `count`, or `nil` when `index` is not in `0..<count` or `count` is past ``maxCount``.
    public init?(index: Int, count: Int) {
        guard (1...Shard.maxCount).contains(count), (0..<count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Whether the item at `position` of the split belongs to this shard.
    public func contains(_ position: Int) -> Bool { position % count == index }

    /// The items of `items` (the whole split, in order) that belong to this shard.
    public func select<Item>(_ items: [Item]) -> [Item] {
        items.enumerated().filter { contains($0.offset) }.map(\.element)
    }

    public var description: String { "\(index)/\(count)" }
}
