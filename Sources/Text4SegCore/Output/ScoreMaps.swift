import Foundation

/// An engine's per-class score maps as NumPy's `.npy` (float32, little-endian, C order,
/// shape `classes × rows × cols`) with a JSON sidecar naming the classes in the same order,
/// for people who want the scores, not just the labels.
///
///     let (npy, sidecar) = try ScoreMaps.encode(scores, grid: grid, vocabulary: voc)
///     // np.load("x.npy").shape == (K, 10, 10); json.load(open("x.json"))["classes"]
public enum ScoreMaps {
    /// What the sidecar holds.
    public struct Sidecar: Codable, Equatable, Sendable {
        public struct Entry: Codable, Equatable, Sendable {
            public var id: Int
            public var name: String
        }
        public var classes: [Entry]
        /// `[classes, rows, cols]`.
        public var shape: [Int]
        public var dtype = "float32"
    }

    public static func encode(_ scores: [Int: [Float]], grid: DescriptorGrid, vocabulary: Vocabulary) throws -> (npy: Data, sidecar: Data) {
        let ids = scores.keys.sorted()
        let shape = [ids.count, grid.rows, grid.cols]
        var data = NPYHeader.encode(descr: "<f4", shape: shape)
        data.reserveCapacity(data.count + ids.count * grid.rows * grid.cols * 4)
        for id in ids {
            let plane = scores[id]!
            precondition(plane.count == grid.rows * grid.cols, "a score map must have the grid's size")
            for value in plane { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        let sidecar = Sidecar(
            classes: ids.map { Sidecar.Entry(id: $0, name: vocabulary.class(id: $0)?.name ?? "class \($0)") }, shape: shape)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (data, try encoder.encode(sidecar))
    }
}
