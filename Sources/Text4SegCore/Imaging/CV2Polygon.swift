/// Polygons rasterized exactly as OpenCV 4.x draws them for LISA's ReasonSeg loader
/// (`utils/data_processing.py`, `get_mask_from_json`), which for each shape runs
///
///     cv2.polylines(mask, np.array([points], dtype=np.int32), True, 1, 1)
///     cv2.fillPoly(mask, np.array([points], dtype=np.int32), 1)
///
/// on a zeroed `uint8` mask: the points truncated toward zero, the closed outline drawn with
/// 8-connected one-pixel lines (clipped to the image), then the interior filled.
///
/// The reference is OpenCV's `modules/imgproc/src/drawing.cpp`: `clipLine`, `LineIterator::init`
/// and its `operator++` (the outline), `PolyLine` → `ThickLine` with thickness 1 → `Line`, and
/// `fillPoly` → `CollectPolyEdges` + `FillEdgeCollection` with shift 0. This is a port of those
/// algorithms, not of their code: the scanline fill keeps only the rows inside the image (rows
/// above it draw nothing, and an edge's x on a row is its start plus a whole number of steps,
/// however many rows were skipped), so the work is bounded by the polygon's point count and the
/// image, never by how far outside the image a coordinate lies.
///
///     let mask = try CV2Polygon.mask([[1, 1], [5, 1], [1, 5]], height: 7, width: 7)
///     mask.values.filter { $0 == 1 }.count   // 15: the triangle with its outline
public enum CV2Polygon {
    /// Why a polygon cannot be rasterized.
    public struct InputError: Error, CustomStringConvertible, Equatable, Sendable {
        public var reason: String
        public var description: String { "cannot rasterize a polygon: \(reason)" }
    }

    /// The largest coordinate magnitude accepted (well inside `int32`, and small enough that
    /// OpenCV's 16.16 fixed-point edge arithmetic cannot overflow).
    public static let maxCoordinate = 1_000_000.0
    /// The largest image accepted, in pixels (each side is also at most 65535).
    public static let maxPixels = 100_000_000

    /// The pixels `cv2.polylines` (closed, thickness 1, `LINE_8`) and `cv2.fillPoly` (`LINE_8`,
    /// shift 0) set for one polygon of `[x, y]` points, as a `height × width` 0/1 label map.
    /// Coordinates are truncated toward zero, as numpy's `astype(np.int32)` does.
    public static func mask(_ points: [[Double]], height: Int, width: Int) throws -> LabelMap {
        guard (1...65_535).contains(height), (1...65_535).contains(width) else {
            throw InputError(reason: "the image is \(width)×\(height); each side must be 1…65535")
        }
        guard height * width <= maxPixels else {
            throw InputError(reason: "the image is \(width)×\(height), over \(maxPixels) pixels")
        }
        guard !points.isEmpty else { throw InputError(reason: "a polygon needs at least one point") }
        var vertices: [Point] = []
        vertices.reserveCapacity(points.count)
        for (index, point) in points.enumerated() {
            guard point.count == 2 else {
                throw InputError(reason: "point \(index) has \(point.count) numbers, not an [x, y] pair")
            }
            guard point[0].isFinite, point[1].isFinite else {
                throw InputError(reason: "point \(index) is not finite: \(point)")
            }
            guard abs(point[0]) <= maxCoordinate, abs(point[1]) <= maxCoordinate else {
                throw InputError(reason: "point \(index) lies beyond ±\(Int(maxCoordinate)): \(point)")
            }
            // Int(_:) of a finite Double drops the fraction toward zero, as numpy's cast to int32 does.
            vertices.append(Point(x: Int(point[0]), y: Int(point[1])))
        }
        var canvas = Canvas(width: width, height: height)
        // cv2.polylines (closed) draws Line(v[i-1], v[i]) for every i, and fillPoly's edge
        // collection draws exactly the same lines before filling: once is enough.
        let edges = collectEdges(vertices, canvas: &canvas)
        fill(edges, canvas: &canvas)
        return LabelMap(width: width, height: height, values: canvas.values)
    }

    // MARK: - The outline

    struct Point: Equatable {
        var x: Int
        var y: Int
    }

    struct Canvas {
        let width: Int
        let height: Int
        var values: [UInt16]

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            values = [UInt16](repeating: 0, count: width * height)
        }
    }

    /// OpenCV's `clipLine` for an image of `width × height`: Cohen–Sutherland outcodes (1 left,
    /// 2 right, 4 above, 8 below), the vertical outcodes resolved first for both ends, then the
    /// horizontal ones, each intersection computed in `double` and truncated as OpenCV does.
    /// Returns whether any part of the segment lies in the image; like OpenCV it may move the
    /// ends even when it returns false.
    static func clip(_ p1: inout Point, _ p2: inout Point, width: Int, height: Int) -> Bool {
        let right = width - 1, bottom = height - 1
        func code(_ p: Point) -> Int {
            (p.x < 0 ? 1 : 0) | (p.x > right ? 2 : 0) | (p.y < 0 ? 4 : 0) | (p.y > bottom ? 8 : 0)
        }
        func horizontalCode(_ p: Point) -> Int { (p.x < 0 ? 1 : 0) | (p.x > right ? 2 : 0) }
        // The offset along one axis where the segment meets a line of the other, as OpenCV's
        // (int64)((double)(a - from) * span / run): the run is never zero on the paths that ask.
        func offset(_ toward: Int, _ span: Int, _ run: Int) -> Int {
            Int(Double(toward) * Double(span) / Double(run))
        }
        var c1 = code(p1), c2 = code(p2)
        if c1 & c2 == 0 && c1 | c2 != 0 {
            if c1 & 12 != 0 {
                let a = c1 < 8 ? 0 : bottom
                p1.x += offset(a - p1.y, p2.x - p1.x, p2.y - p1.y)
                p1.y = a
                c1 = horizontalCode(p1)
            }
            if c2 & 12 != 0 {
                let a = c2 < 8 ? 0 : bottom
                p2.x += offset(a - p2.y, p2.x - p1.x, p2.y - p1.y)
                p2.y = a
                c2 = horizontalCode(p2)
            }
            if c1 & c2 == 0 && c1 | c2 != 0 {
                if c1 != 0 {
                    let a = c1 == 1 ? 0 : right
                    p1.y += offset(a - p1.x, p2.y - p1.y, p2.x - p1.x)
                    p1.x = a
                    c1 = 0
                }
                if c2 != 0 {
                    let a = c2 == 1 ? 0 : right
                    p2.y += offset(a - p2.x, p2.y - p1.y, p2.x - p1.x)
                    p2.x = a
                    c2 = 0
                }
            }
        }
        return c1 | c2 == 0
    }

    /// OpenCV's `Line` with 8-connectivity: a `LineIterator` (left to right) over the segment
    /// clipped to the image, Bresenham's walk along the major axis with a diagonal step whenever
    /// the error term is negative.
    static func drawLine(_ from: Point, _ to: Point, canvas: inout Canvas) {
        var start = from, end = to
        guard clip(&start, &end, width: canvas.width, height: canvas.height) else { return }
        var dx = end.x - start.x, dy = end.y - start.y
        if dx < 0 {  // walk left to right
            dx = -dx
            dy = -dy
            start = end
        }
        var stepY = 1
        if dy < 0 {
            dy = -dy
            stepY = -1
        }
        let steep = dy > dx
        if steep { swap(&dx, &dy) }
        // dx is now the major extent and dy the minor one.
        var error = dx - 2 * dy
        var x = start.x, y = start.y
        for step in 0...dx {
            canvas.values[y * canvas.width + x] = 1
            if step == dx { break }
            let diagonal = error < 0
            error += -2 * dy + (diagonal ? 2 * dx : 0)
            if steep {
                y += stepY
                if diagonal { x += 1 }
            } else {
                x += 1
                if diagonal { y += stepY }
            }
        }
    }

    // MARK: - The fill

    /// One non-horizontal edge as `CollectPolyEdges` keeps it: rows `y0 ..< y1`, x on row y0 and
    /// its step per row in 16.16 fixed point.
    struct Edge {
        var y0: Int
        var y1: Int
        var x: Int
        var dx: Int
    }

    static let shift = 16
    static let one = 1 << shift

    /// `CollectPolyEdges` with shift 0 and no offset: draws each edge's line and keeps the
    /// non-horizontal edges, their x taken from the ends clipped to the image (OpenCV's
    /// "more accurate PolyEdge") while their rows stay the unclipped ones.
    static func collectEdges(_ vertices: [Point], canvas: inout Canvas) -> [Edge] {
        var edges: [Edge] = []
        edges.reserveCapacity(vertices.count)
        var previous = vertices[vertices.count - 1]
        for current in vertices {
            defer { previous = current }
            drawLine(previous, current, canvas: &canvas)
            var t0 = previous, t1 = current
            var y0c = previous.y, y1c = current.y
            // OpenCV clips only when an end lies outside; clipping ends inside changes nothing.
            _ = clip(&t0, &t1, width: canvas.width, height: canvas.height)
            if t0.y != t1.y {
                y0c = t0.y
                y1c = t1.y
            }
            let x0c = t0.x << shift, x1c = t1.x << shift
            guard previous.y != current.y else { continue }
            // Swift's / truncates toward zero, as C's does.
            let dx = (x1c - x0c) / (y1c - y0c)
            if previous.y < current.y {
                edges.append(Edge(y0: previous.y, y1: current.y, x: x0c + (previous.y - y0c) * dx, dx: dx))
            } else {
                edges.append(Edge(y0: current.y, y1: previous.y, x: x1c + (current.y - y1c) * dx, dx: dx))
            }
        }
        return edges
    }

    /// `FillEdgeCollection`: on each row, the edges active there (y0 ≤ y < y1) sorted by x and
    /// taken in pairs, each pair filling from the ceiling of its left x to the floor of its right
    /// x, clipped to the image. OpenCV walks rows from the topmost edge, keeping a linked list
    /// that it bubble-sorts by x after stepping every active edge; since every row's active count
    /// is even, each active edge steps once a row and the drawn spans depend only on the sorted
    /// x values, so this walks only the rows inside the image and places an edge entering there
    /// at its x for that row.
    static func fill(_ collected: [Edge], canvas: inout Canvas) {
        guard collected.count >= 2 else { return }
        var yMin = Int.max, yMax = Int.min, xMin = Int.max, xMax = Int.min
        for edge in collected {
            let xEnd = edge.x + (edge.y1 - edge.y0) * edge.dx
            yMin = min(yMin, edge.y0)
            yMax = max(yMax, edge.y1)
            xMin = min(xMin, edge.x, xEnd)
            xMax = max(xMax, edge.x, xEnd)
        }
        let width = canvas.width
        if yMax < 0 || yMin >= canvas.height || xMax < 0 || xMin >= width << shift { return }
        let edges = collected.sorted { $0.y0 < $1.y0 }
        var next = 0
        // Active edges: (index into edges, x on the current row).
        var active: [(edge: Int, x: Int)] = []
        let firstRow = max(yMin, 0), endRow = min(yMax, canvas.height)
        guard firstRow < endRow else { return }
        for y in firstRow..<endRow {
            active.removeAll { edges[$0.edge].y1 <= y }
            while next < edges.count && edges[next].y0 <= y {
                let edge = edges[next]
                if edge.y1 > y { active.append((next, edge.x + (y - edge.y0) * edge.dx)) }
                next += 1
            }
            active.sort { $0.x < $1.x }
            let row = y * width
            var k = 0
            while k + 1 < active.count {
                var left = (active[k].x + one - 1) >> shift
                var right = active[k + 1].x >> shift
                if left < width && right >= 0 {
                    left = max(left, 0)
                    right = min(right, width - 1)
                    if left <= right {
                        for x in left...right { canvas.values[row + x] = 1 }
                    }
                }
                k += 2
            }
            for i in active.indices { active[i].x += edges[active[i].edge].dx }
        }
    }
}
