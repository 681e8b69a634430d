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
    ///
    /// Linear in the pixels of the mask's box and near-linear in its boundary: each loop belongs
    /// to the 4-connected component of the pixel on its inside (an outer loop is its component's,
    /// a hole the component around it), so no loop is tested against another.
    public static func polygons(of mask: ClassMask, tolerance: Double) -> [[Point]] {
        let components = ComponentLabels(mask)
        var outers: [Int: [Point]] = [:], holes: [Int: [[Point]]] = [:]
        for loop in trace(mask) {
            let ring = simplify(loop.ring, tolerance: tolerance)
            guard ring.count >= 3 else { continue }
            let component = components.label(ofPixel: loop.pixel)
            // With y down, an outer boundary (inside on the right) has positive shoelace area, a hole negative.
            if signedArea(ring) > 0 { outers[component] = ring } else { holes[component, default: []].append(ring) }
        }
        return outers.keys.sorted().map { component in bridged(outers[component]!, holes[component] ?? []) }
    }

    /// Every boundary loop of the mask, as the corners where it turns; outer loops clockwise on
    /// screen (inside on the right), holes the other way.
    /// Each loop comes with the pixel on the inside of its first edge (row-major index in the map).
    static func trace(_ mask: ClassMask) -> [(ring: [(Int, Int)], pixel: Int)] {
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
        var loops: [(ring: [(Int, Int)], pixel: Int)] = []
        for first in edges.sorted() where unvisited.contains(first) {
            let start = first / 4, startDirection = first % 4
            // The pixel on the right of the first edge: below it, left of it, above it, right of it.
            let (cx, cy) = (start % stride, start / stride)
            let pixel = [(cx, cy), (cx - 1, cy), (cx - 1, cy - 1), (cx, cy - 1)][startDirection]
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
            loops.append((loop, pixel.1 * map.width + pixel.0))
        }
        return loops
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

    /// `outer` with each of `holes` spliced in, there and back, from its first point to the
    /// nearest point of `outer` (found through a grid of buckets, so many holes stay cheap).
    /// Filled even-odd, the doubled cuts enclose nothing.
    static func bridged(_ outer: [Point], _ holes: [[Point]]) -> [Point] {
        guard !holes.isEmpty else { return outer }
        let cell = 16.0
        func key(_ p: Point) -> Int64 { Int64(p.x / cell) << 32 | Int64(p.y / cell) & 0xffff_ffff }
        var buckets: [Int64: [Int]] = [:]
        for (index, point) in outer.enumerated() { buckets[key(point), default: []].append(index) }
        var attached: [Int: [[Point]]] = [:]
        for hole in holes {
            let probe = hole[0], bx = Int64(probe.x / cell), by = Int64(probe.y / cell)
            var best = (distance: Double.infinity, index: 0)
            var radius: Int64 = 0
            // Widen the ring of buckets until the nearest point found cannot be beaten farther out.
            while best.distance.isInfinite || Double(radius - 1) * cell <= best.distance.squareRoot() {
                // The ring's buckets only: its top and bottom rows, then its two sides.
                var ring = (bx - radius...bx + radius).flatMap { [($0, by - radius), ($0, by + radius)] }
                if radius > 0 { ring += (by - radius + 1..<by + radius).flatMap { [(bx - radius, $0), (bx + radius, $0)] } }
                for (x, y) in radius == 0 ? [(bx, by)] : ring {
                    for index in buckets[x << 32 | y & 0xffff_ffff] ?? [] {
                        let d = distance2(outer[index], probe)
                        if d < best.distance { best = (d, index) }
                    }
                }
                radius += 1
                if radius > 1 << 20 { break }
            }
            attached[best.index, default: []].append(hole)
        }
        var result: [Point] = []
        result.reserveCapacity(outer.count + holes.reduce(0) { $0 + $1.count + 2 } * 2)
        for (index, point) in outer.enumerated() {
            result.append(point)
            for hole in attached[index] ?? [] {
                result += hole
                result += [hole[0], point]
            }
        }
        return result
    }
}
