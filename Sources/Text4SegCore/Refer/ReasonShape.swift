import Foundation

/// One polygon of a ReasonSeg annotation (`shapes[i]` of LISA's `<image>.json`): `target`,
/// `ignore`, or `flag` (left out).
///
///     let truth = try ReasonShape.draw(shapes, height: 480, width: 640)   // 0, 1 and 255 (ignore)
public struct ReasonShape: Sendable, Hashable {
    public var label: String
    /// `[x, y]` pairs, in pixels.
    public var points: [[Double]]

    public init(label: String, points: [[Double]]) {
        self.label = label
        self.points = points
    }

    /// LISA skips shapes labelled `flag` (any case).
    public var isFlag: Bool { label.lowercased() == "flag" }
    /// A label containing `ignore` (any case) marks pixels left out of the scores.
    public var isIgnore: Bool { label.lowercased().contains("ignore") }

    /// The mask LISA's `get_mask_from_json` draws: each shape rasterized as OpenCV does
    /// (`polylines` of thickness 1, then `fillPoly`, on the points truncated to integers), the
    /// largest first, so a smaller shape drawn later wins where they overlap; `ignore` shapes
    /// draw 255, the others 1. Shapes of equal area keep numpy's order for small arrays (a stable
    /// ascending sort, reversed).
    public static func draw(_ shapes: [ReasonShape], height: Int, width: Int) throws -> LabelMap {
        let drawn = shapes.filter { !$0.isFlag }
        // Each shape is rasterized twice (once for its area, once to draw it), so that one mask is
        // held at a time however many shapes a file lists.
        let areas = try drawn.map { try CV2Polygon.mask($0.points, height: height, width: width).values.reduce(0) { $0 + Int($1) } }
        let order = areas.indices.sorted { (areas[$0], $0) < (areas[$1], $1) }.reversed()
        var truth = LabelMap(width: width, height: height, fill: 0)
        for index in order {
            let value: UInt16 = drawn[index].isIgnore ? 255 : 1
            let mask = try CV2Polygon.mask(drawn[index].points, height: height, width: width)
            for (i, on) in mask.values.enumerated() where on != 0 { truth.values[i] = value }
        }
        return truth
    }
}
