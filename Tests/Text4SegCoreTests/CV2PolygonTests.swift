import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// Polygons rasterized as LISA's ReasonSeg loader does with OpenCV (`cv2.polylines` closed,
/// thickness 1, then `cv2.fillPoly`, points cast to int32): hand-checked shapes, then random
/// polygons against cv2 itself, pixel for pixel.
final class CV2PolygonTests: XCTestCase {
    /// The mask as rows of `#` (1) and `.` (0).
    private func rows(_ mask: LabelMap) -> [String] {
        (0..<mask.height).map { y in
            String((0..<mask.width).map { x in mask[x, y] == 1 ? "#" : "." })
        }
    }

    private func draw(_ points: [[Double]], _ width: Int, _ height: Int) throws -> [String] {
        rows(try CV2Polygon.mask(points, height: height, width: width))
    }

    func testHandCheckedShapes() throws {
        // A right triangle: its outline and interior, x + y ≤ 6 inside x, y ≥ 1.
        XCTAssertEqual(
            try draw([[1, 1], [5, 1], [1, 5]], 7, 7),
            [
                ".......",
                ".#####.",
                ".####..",
                ".###...",
                ".##....",
                ".#.....",
                ".......",
            ])
        // One point: the single pixel its truncated coordinates name.
        XCTAssertEqual(try draw([[2.7, 1.2]], 4, 3), ["....", "..#.", "...."])
        // Two points: a closed polyline there and back, Bresenham's line (dx 6, dy 2, a
        // diagonal step whenever the error term goes negative); the fill adds nothing.
        XCTAssertEqual(try draw([[0, 0], [6, 2]], 7, 4), ["##.....", "..###..", ".....##", "......."])
        // The same kind of line with both ends outside is clipped to the image first, then walked.
        XCTAssertEqual(try draw([[-2, -1], [8, 3]], 7, 4), ["##.....", "..##...", "....##.", "......#"])
        // A square mostly outside: what lies inside (x, y in 0…3) is filled.
        XCTAssertEqual(
            try draw([[-3, -3], [3, -3], [3, 3], [-3, 3]], 5, 5),
            [
                "####.",
                "####.",
                "####.",
                "####.",
                ".....",
            ])
        // A self-intersecting bow-tie: the edges are paired left to right on each row (even–odd),
        // so the two triangles fill and meet at the crossing.
        XCTAssertEqual(
            try draw([[0, 0], [6, 4], [6, 0], [0, 4]], 7, 5),
            [
                "#.....#",
                "###.###",
                "#######",
                "###.###",
                "#.....#",
            ])
        // Fractions and negatives truncate toward zero: (-0.9, -0.5) → (0, 0), (3.99, 0.2) → (3, 0),
        // (0.5, 3.7) → (0, 3).
        XCTAssertEqual(
            try draw([[-0.9, -0.5], [3.99, 0.2], [0.5, 3.7]], 5, 5),
            [
                "####.",
                "###..",
                "##...",
                "#....",
                ".....",
            ])
        XCTAssertEqual(
            try draw([[5.9, -0.99], [-0.5, 4.99], [5.5, 4.2]], 7, 6),
            [".....#.", "....##.", "..####.", ".#####.", "######.", "......."])
        // Corners a million pixels out cover the whole image, with no work proportional to them.
        XCTAssertEqual(try draw([[-1e6, -1e6], [1e6, -1e6], [1e6, 1e6], [-1e6, 1e6]], 4, 3), ["####", "####", "####"])
    }

    func testRefusals() {
        func refuses(_ text: String, _ points: [[Double]], width: Int = 4, height: Int = 3) {
            XCTAssertThrowsError(try CV2Polygon.mask(points, height: height, width: width)) { error in
                XCTAssertTrue(error is CV2Polygon.InputError, "\(error)")
                XCTAssertTrue("\(error)".contains(text), "\(error)")
            }
        }
        refuses("at least one point", [])
        refuses("not finite", [[1, 2], [.nan, 1]])
        refuses("not finite", [[1, 2], [1, .infinity]])
        refuses("beyond", [[1, 2], [1_000_001, 1]])
        refuses("beyond", [[1, 2], [1, -2e6]])
        refuses("not an [x, y] pair", [[1, 2, 3]])
        refuses("each side", [[1, 2]], width: 0)
        refuses("each side", [[1, 2]], height: 65_536)
        refuses("over 100000000 pixels", [[1, 2]], width: 20_000, height: 20_000)
        XCTAssertNoThrow(try CV2Polygon.mask([[1e6, -1e6]], height: 1, width: 1))
    }

    /// Random polygons (3–30 points, coordinates from 20 pixels outside the image to 20 beyond it,
    /// in hundredths; some with repeated integer points, some reaching far outside) against
    /// cv2.polylines + cv2.fillPoly.
    func testPolygonsMatchOpenCVPixelForPixel() throws {
        try Prerequisite.referTools.require()
        var generator = SplitMix64(seed: 4_242)
        let sizes = [(7, 5), (5, 7), (64, 48), (333, 500), (500, 333), (1, 1), (17, 3)]
        // Coordinates travel as integer hundredths, divided by 100 on both sides (the same double).
        var cases: [(width: Int, height: Int, points: [[Int]])] = []
        for n in 0..<300 {
            let (width, height) = sizes[n % sizes.count]
            let count = Int.random(in: 3...30, using: &generator)
            var points: [[Int]]
            switch n % 10 {
            case 0:  // integer points, repeated, near the image
                let base = (0..<max(1, count / 3)).map { _ in
                    [Int.random(in: -3...(width + 3), using: &generator) * 100, Int.random(in: -3...(height + 3), using: &generator) * 100]
                }
                points = (0..<count).map { _ in base[Int.random(in: 0..<base.count, using: &generator)] }
            case 1:  // far outside, crossing the image
                points = (0..<count).map { _ in
                    [Int.random(in: -1_000_000...1_000_000, using: &generator), Int.random(in: -1_000_000...1_000_000, using: &generator)]
                }
            default:
                points = (0..<count).map { _ in
                    [
                        Int.random(in: -2_000...((width + 20) * 100), using: &generator),
                        Int.random(in: -2_000...((height + 20) * 100), using: &generator),
                    ]
                }
            }
            cases.append((width, height, points))
        }
        let folder = try CLI.temporaryFolder()
        let json = cases.map { ["w": $0.width, "h": $0.height, "points": $0.points] as [String: Any] }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: folder + "/cases.json"))
        let run = try CLI.python(
            """
            import json, sys
            import numpy as np, cv2
            with open(sys.argv[2], "wb") as out:
                for c in json.load(open(sys.argv[1])):
                    points = [[x / 100, y / 100] for x, y in c["points"]]
                    mask = np.zeros((c["h"], c["w"]), dtype=np.uint8)
                    cv2.polylines(mask, np.array([points], dtype=np.int32), True, 1, 1)
                    cv2.fillPoly(mask, np.array([points], dtype=np.int32), 1)
                    out.write(mask.tobytes())
            """, [folder + "/cases.json", folder + "/masks.bin"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/masks.bin")))
        XCTAssertEqual(expected.count, cases.reduce(0) { $0 + $1.width * $1.height })
        var offset = 0, mismatched = 0, filled = 0
        for (index, item) in cases.enumerated() {
            let points = item.points.map { [Double($0[0]) / 100, Double($0[1]) / 100] }
            let mask = try CV2Polygon.mask(points, height: item.height, width: item.width)
            let size = item.width * item.height
            guard offset + size <= expected.count else { break }
            let reference = expected[offset..<(offset + size)]
            offset += size
            filled += reference.reduce(0) { $0 + Int($1) }
            if !mask.values.elementsEqual(reference, by: { $0 == UInt16($1) }) {
                mismatched += 1
                if mismatched <= 3 { XCTFail("case \(index), \(item.width)×\(item.height): \(points)") }
            }
        }
        XCTAssertEqual(mismatched, 0)
        XCTAssertGreaterThan(filled, 100_000, "the random polygons should cover a fair share of pixels")
    }
}
