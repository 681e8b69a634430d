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

    public init(id: Int, name: String, share: Double) {
        self.id = id
        self.name = name
        self.share = share
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
