/// How much of a label map one class covers: what `label` prints for each image.
///
///     let shares = ClassShare.shares(of: map, vocabulary: voc)
///     // [background 71.2%, aeroplane 20.5%, …], largest first
public struct ClassShare: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The label value.
    public var id: Int
    /// The class's name; `others` for the value `others` decodes to when no class has it (COCO-Stuff's 255).
    public var name: String
    /// The fraction of the map's pixels, 0…1.
    public var share: Double
    /// The engine's mean score for the class over the grid cells labeled with it (see
    /// ``scored(_:grid:scores:)``); `nil` for engines without scores.
    public var score: Double?

    public init(id: Int, name: String, share: Double, score: Double? = nil) {
        self.id = id
        self.name = name
        self.share = share
        self.score = score
    }

    /// `shares` with each class's ``score``: the mean of the engine's per-class score map
    /// (`scores`, over `grid`'s cells) over the cells the grid gives that class. A class the
    /// grid never gives (refinement can add one at full resolution) keeps no score.
    public static func scored(_ shares: [ClassShare], grid: DescriptorGrid, scores: [Int: [Float]]) -> [ClassShare] {
        var sums: [Int: Double] = [:], counts: [Int: Int] = [:]
        for (cell, value) in grid.values.enumerated() {
            let id = Int(value)
            guard let map = scores[id], cell < map.count else { continue }
            sums[id, default: 0] += Double(map[cell])
            counts[id, default: 0] += 1
        }
        return shares.map { share in
            var scored = share
            if let count = counts[share.id], count > 0, let sum = sums[share.id] { scored.score = sum / Double(count) }
            return scored
        }
    }

    /// The classes present in `map`, largest share first (ties: lower id first).
    public static func shares(of map: LabelMap, vocabulary: Vocabulary) -> [ClassShare] {
        let total = Double(max(1, map.values.count))
        return map.valueCounts().map { value, count in
            let name =
                vocabulary.class(id: value)?.name
                ?? (value == vocabulary.othersValue ? "others" : value == vocabulary.ignoreValue ? "ignore" : "value \(value)")
            return ClassShare(id: value, name: name, share: Double(count) / total)
        }.sorted { ($1.share, $0.id) < ($0.share, $1.id) }
    }

    /// `aeroplane 20.5%`.
    public var description: String { "\(name) \(String(format: "%.1f", share * 100))%" }
}
