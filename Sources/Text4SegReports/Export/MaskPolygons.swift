/// A class's pixels as polygons: the boundaries between its pixels and the others, traced on
/// the pixel-corner lattice (pixel `(x, y)` covers `[x, x+1) × [y, y+1)`, the convention
/// pycocotools rasterizes by), simplified with Douglas–Peucker, and each hole joined to the
/// polygon around it by a zero-width cut, so that formats without holes (COCO, CVAT and Label
/// Studio polygons) still leave it out when they fill the polygon even-odd.
///
/// Pixels that touch only at a corner belong to separate polygons (4-connectivity).
public enum MaskPolygons {
    /// A point on the corner lattice, in pixels.
    public struct Point: Equatable, Sendable {
        public var x: Double
        public var y: Double
    }

    /// The polygons of `mask`, each a closed ring of at least three points (the first not
    /// repeated at the end), every point at most `tolerance` pixels from the traced boundary.
    public static func polygons(of mask: ClassMask, tolerance: Double) -> [[Point]] {
        let loops = trace(mask).map { simplify($0, tolerance: tolerance) }.filter { $0.count >= 3 }
        // With y down, an outer boundary (inside on the right) has positive shoelace area, a hole negative.
        var outers = loops.filter { signedArea($0) > 0 }
        let holes = loops.filter { signedArea($0) < 0 }
        for hole in holes {
            let probe = hole[0]
            let candidates = outers.indices.filter { contains(outers[$0], Point(x: probe.x, y: probe.y)) }
            guard let owner = candidates.min(by: { abs(signedArea(outers[$0])) < abs(signedArea(outers[$1])) }) else { continue }
            outers[owner] = bridged(outers[owner], hole)
        }
        return outers
    }

    /// Every boundary loop of the mask, as the corners where it turns; outer loops clockwise on
    /// screen (inside on the right), holes the other way.
    static func trace(_ mask: ClassMask) -> [[(Int, Int)]] {
        let map = mask.map, target = UInt16(mask.value)
        let box = mask.box
        let stride = map.width + 1
        func inside(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && y >= 0 && x < map.width && y < map.height && map.values[y * map.width + x] == target
        }
        // Directions: 0 right, 1 down, 2 left, 3 up. Outgoing boundary edges per corner (at most two).
        let dx = [1, 0, -1, 0], dy = [0, 1, 0, -1]
        var outgoing: [Int: [Int]] = [:]
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) where inside(x, y) {
                if !inside(x, y - 1) { outgoing[y * stride + x, default: []].append(0) }
                if !inside(x + 1, y) { outgoing[y * stride + x + 1, default: []].append(1) }
                if !inside(x, y + 1) { outgoing[(y + 1) * stride + x + 1, default: []].append(2) }
                if !inside(x - 1, y) { outgoing[(y + 1) * stride + x, default: []].append(3) }
            }
        }
        let edges = Set(outgoing.flatMap { corner, directions in directions.map { corner * 4 + $0 } })
        var unvisited = edges
        var loops: [[(Int, Int)]] = []
        for first in edges.sorted() where unvisited.contains(first) {
            let start = first / 4, startDirection = first % 4
            var corner = start, direction = startDirection, previous = -1
            var loop: [(Int, Int)] = []
            while true {
                unvisited.remove(corner * 4 + direction)
                if direction != previous { loop.append((corner % stride, corner / stride)) }
                previous = direction
                corner += dy[direction] * stride + dx[direction]
                // The boundary goes on by its right turn where it has one (a saddle: keeps diagonal
                // pixels apart), else straight on, else left; back at the first edge, the loop is closed.
                guard
                    let next = [(direction + 1) % 4, direction, (direction + 3) % 4].first(where: { edges.contains(corner * 4 + $0) }),
                    corner != start || next != startDirection, unvisited.contains(corner * 4 + next)
                else { break }
                direction = next
            }
            loops.append(loop)
        }
        return loops.filter { $0.count >= 4 }
    }

    /// Douglas–Peucker on a closed ring: split at the point farthest from the first, simplify
    /// both halves. A ring that would fall below three points keeps its corners.
    static func simplify(_ ring: [(Int, Int)], tolerance: Double) -> [Point] {
        let points = ring.map { Point(x: Double($0.0), y: Double($0.1)) }
        guard tolerance > 0, points.count > 4 else { return points }
        let far = points.indices.max { distance2(points[$0], points[0]) < distance2(points[$1], points[0]) } ?? 0
        let first = douglasPeucker(Array(points[0...far]), tolerance)
        let second = douglasPeucker(Array(points[far...]) + [points[0]], tolerance)
        let result = Array(first.dropLast()) + Array(second.dropLast())
        return result.count >= 3 ? result : points
    }

    static func douglasPeucker(_ points: [Point], _ tolerance: Double) -> [Point] {
        guard points.count > 2 else { return points }
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        var stack = [(0, points.count - 1)]
        while let (a, b) = stack.popLast() {
            var worst = 0.0, index = -1
            for i in (a + 1)..<b {
                let d = segmentDistance(points[i], points[a], points[b])
                if d > worst { (worst, index) = (d, i) }
            }
            if index >= 0 && worst > tolerance {
                keep[index] = true
                stack += [(a, index), (index, b)]
            }
        }
        return points.indices.filter { keep[$0] }.map { points[$0] }
    }

    static func distance2(_ a: Point, _ b: Point) -> Double { (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) }

    static func segmentDistance(_ p: Point, _ a: Point, _ b: Point) -> Double {
        let length2 = distance2(a, b)
        guard length2 > 0 else { return distance2(p, a).squareRoot() }
        let t = max(0, min(1, ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / length2))
        return distance2(p, Point(x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y))).squareRoot()
    }

    /// Twice the area, positive for rings clockwise on screen (y down).
    static func signedArea(_ ring: [Point]) -> Double {
        var sum = 0.0
        for i in ring.indices {
            let a = ring[i], b = ring[(i + 1) % ring.count]
            sum += a.x * b.y - b.x * a.y
        }
        return sum
    }

    /// Even-odd point-in-polygon.
    static func contains(_ ring: [Point], _ p: Point) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in ring.indices {
            let a = ring[i], b = ring[j]
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// `outer` with `hole` spliced in through the closest pair of their points, there and back.
    static func bridged(_ outer: [Point], _ hole: [Point]) -> [Point] {
        var best = (Double.infinity, 0, 0)
        for (i, o) in outer.enumerated() {
            for (j, h) in hole.enumerated() {
                let d = distance2(o, h)
                if d < best.0 { best = (d, i, j) }
            }
        }
        let (_, i, j) = best
        let holeFromJ = Array(hole[j...]) + Array(hole[..<j]) + [hole[j]]
        return Array(outer[...i]) + holeFromJ + Array(outer[i...])
    }
}
