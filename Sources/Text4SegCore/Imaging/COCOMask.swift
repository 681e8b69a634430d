import Foundation

/// COCO's instance masks (an annotation's `segmentation`) as pycocotools decodes them:
/// polygons rasterized by its `rleFrPoly` (points scaled ×5, traced densely, then downsampled
/// on column boundaries) and merged, uncompressed RLE (`counts` a list) and compressed RLE
/// (`counts` a string); masks are column-major runs starting with background.
///
///     let mask = try COCOMask.polygons([[10, 10, 20, 10, 20, 20]], height: 32, width: 32)
///     mask.values.filter { $0 == 1 }.count   // the triangle's pixels, as pycocotools counts them
public enum COCOMask {
    /// Why a segmentation cannot be decoded.
    public struct DecodeError: Error, CustomStringConvertible, Equatable {
        public var reason: String
        public var description: String { "cannot decode a COCO mask: \(reason)" }
    }

    /// The union of `polygons` (each `[x0, y0, x1, y1, …]`) as a `height × width` 0/1 label map.
    public static func polygons(_ polygons: [[Double]], height: Int, width: Int) throws -> LabelMap {
        try checkSize(height: height, width: width)
        var mask = [UInt16](repeating: 0, count: height * width)
        for polygon in polygons {
            guard polygon.count >= 6, polygon.count % 2 == 0 else {
                throw DecodeError(reason: "a polygon needs at least 3 points as x, y pairs (got \(polygon.count) numbers)")
            }
            // pycocotools traces every fifth of a pixel along each edge: coordinates far outside
            // any image would make that trace huge, so they are refused.
            guard polygon.allSatisfy({ $0.isFinite && abs($0) <= 100_000 }) else {
                throw DecodeError(reason: "a polygon coordinate is not a number within ±100000")
            }
            // The trace holds a point per fifth of a pixel of outline: bounded before it is allocated.
            let k = polygon.count / 2
            var trace = 0
            for j in 0..<k {
                let next = (j + 1) % k
                let dx = abs(Int(5 * polygon[next * 2] + 0.5) - Int(5 * polygon[j * 2] + 0.5))
                let dy = abs(Int(5 * polygon[next * 2 + 1] + 0.5) - Int(5 * polygon[j * 2 + 1] + 0.5))
                trace += max(dx, dy) + 1
            }
            guard trace <= maxTrace else {
                throw DecodeError(reason: "a polygon whose outline is longer than \(maxTrace / 5) pixels")
            }
            paint(runs: polygonRuns(polygon, height: height, width: width), height: height, width: width, into: &mask)
        }
        return LabelMap(width: width, height: height, values: mask)
    }

    /// An RLE's runs (column-major, background first) as a `height × width` 0/1 label map; the
    /// runs must cover the image exactly.
    public static func runs(_ runs: [Int], height: Int, width: Int) throws -> LabelMap {
        try checkSize(height: height, width: width)
        var total = 0
        for run in runs {
            guard run >= 0 else { throw DecodeError(reason: "a negative run length") }
            guard run <= height * width - total else { throw DecodeError(reason: "the runs cover more than \(height)×\(width) pixels") }
            total += run
            guard total <= height * width else { throw DecodeError(reason: "the runs cover more than \(height)×\(width) pixels") }
        }
        guard total == height * width else { throw DecodeError(reason: "the runs cover \(total) pixels, not \(height)×\(width)") }
        var mask = [UInt16](repeating: 0, count: height * width)
        paint(runs: runs, height: height, width: width, into: &mask)
        return LabelMap(width: width, height: height, values: mask)
    }

    /// A compressed RLE (`counts` a string).
    public static func compressed(_ counts: String, height: Int, width: Int) throws -> LabelMap {
        guard let decoded = COCORLE.runs(counts) else { throw DecodeError(reason: "the counts string is not COCO's compressed RLE") }
        return try runs(decoded, height: height, width: width)
    }

    /// Points a polygon's outline may trace (a fifth of a pixel each): 1.6 million pixels of
    /// outline, far past any real annotation, and about 200 MB of trace at most.
    public static let maxTrace = 8_000_000

    static func checkSize(height: Int, width: Int) throws {
        guard height > 0, width > 0, height <= 1 << 16, width <= 1 << 16, height * width <= Limits.defaultMaxPixels else {
            throw DecodeError(reason: "the mask size \(width)×\(height) is out of range")
        }
    }

    /// Sets the "on" runs (odd positions) to 1, reading column-major.
    static func paint(runs: [Int], height: Int, width: Int, into mask: inout [UInt16]) {
        var position = 0
        for (index, run) in runs.enumerated() {
            if index % 2 == 1 {
                for p in position..<min(position + run, height * width) { mask[(p % height) * width + p / height] = 1 }
            }
            position += run
        }
    }

    /// pycocotools' `rleFrPoly`, step for step (its integer truncations included).
    static func polygonRuns(_ xy: [Double], height h: Int, width w: Int) -> [Int] {
        let scale = 5.0
        let k = xy.count / 2
        var x = (0..<k).map { Int(scale * xy[$0 * 2] + 0.5) }
        var y = (0..<k).map { Int(scale * xy[$0 * 2 + 1] + 0.5) }
        x.append(x[0])
        y.append(y[0])
        // Upsample: every integer point along each edge.
        var u: [Int] = []
        var v: [Int] = []
        for j in 0..<k {
            var (xs, xe, ys, ye) = (x[j], x[j + 1], y[j], y[j + 1])
            let dx = abs(xe - xs)
            let dy = abs(ys - ye)
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
            if flip {
                swap(&xs, &xe)
                swap(&ys, &ye)
            }
            // A repeated point (dx = dy = 0) is 0/0 in pycocotools; its one traced point shares its
            // column with both neighbours, so no column crossing reads its row: 0 stands in.
            let s = dx == 0 && dy == 0 ? 0 : dx >= dy ? Double(ye - ys) / Double(dx) : Double(xe - xs) / Double(dy)
            if dx >= dy {
                for d in 0...dx {
                    let t = flip ? dx - d : d
                    u.append(t + xs)
                    v.append(Int(Double(ys) + s * Double(t) + 0.5))
                }
            } else {
                for d in 0...dy {
                    let t = flip ? dy - d : d
                    v.append(t + ys)
                    u.append(Int(Double(xs) + s * Double(t) + 0.5))
                }
            }
        }
        // The points where the boundary crosses a column, downsampled.
        var a: [Int] = []
        for j in 1..<max(1, u.count) where u[j] != u[j - 1] {
            var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
            xd = (xd + 0.5) / scale - 0.5
            if xd.rounded(.down) != xd || xd < 0 || xd > Double(w - 1) { continue }
            var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
            yd = (yd + 0.5) / scale - 0.5
            yd = yd < 0 ? 0 : (yd > Double(h) ? Double(h) : yd)
            yd = yd.rounded(.up)
            a.append(Int(xd) * h + Int(yd))
        }
        a.append(h * w)
        a.sort()
        // Differences, then zero-length runs folded into their neighbours.
        var previous = 0
        for j in a.indices {
            let t = a[j]
            a[j] -= previous
            previous = t
        }
        var runs = [a[0]]
        var j = 1
        while j < a.count {
            if a[j] > 0 {
                runs.append(a[j])
                j += 1
            } else {
                j += 1
                if j < a.count {
                    runs[runs.count - 1] += a[j]
                    j += 1
                }
            }
        }
        return runs
    }
}
