import Text4SegCore
import XCTest

@testable import Text4SegReports

/// Polygons traced on the pixel-corner lattice: exact at tolerance 0 (filled even-odd at pixel
/// centers they give back every pixel), holes kept through a zero-width cut.
final class MaskPolygonsTests: XCTestCase {
    typealias Point = MaskPolygons.Point

    func polygons(_ rows: [String], tolerance: Double = 0) throws -> (map: LabelMap, polygons: [[Point]]) {
        let map = LabelMap(width: rows[0].count, height: rows.count, values: rows.joined().map { $0 == "#" ? 1 : 0 })
        let mask = try XCTUnwrap(ClassMask.all(in: map, skipping: [0]).first)
        return (map, MaskPolygons.polygons(of: mask, tolerance: tolerance))
    }

    /// Pixels whose centers the polygons cover, even-odd over all of them (as COCO tools fill).
    func filled(_ polygons: [[Point]], width: Int, height: Int) -> [UInt16] {
        (0..<(width * height)).map { index in
            let p = Point(x: Double(index % width) + 0.5, y: Double(index / width) + 0.5)
            return polygons.reduce(false) { $0 != MaskPolygons.contains($1, p) } ? 1 : 0
        }
    }

    func testAPixelIsItsSquareAndABlockItsCorners() throws {
        XCTAssertEqual(try polygons(["#"]).polygons, [[Point(x: 0, y: 0), Point(x: 1, y: 0), Point(x: 1, y: 1), Point(x: 0, y: 1)]])
        let block = try polygons(["...", ".##", ".##"]).polygons
        XCTAssertEqual(block, [[Point(x: 1, y: 1), Point(x: 3, y: 1), Point(x: 3, y: 3), Point(x: 1, y: 3)]])
    }

    func testPixelsTouchingAtACornerAreSeparatePolygons() throws {
        XCTAssertEqual(try polygons(["#.", ".#"]).polygons.count, 2)
        XCTAssertEqual(try polygons([".#", "#."]).polygons.count, 2)
    }

    func testAHoleIsCutOutOfItsPolygon() throws {
        let (map, rings) = try polygons(["#####", "#...#", "#.#.#", "#...#", "#####"])
        // The outer ring with the hole spliced in, and the island in the hole on its own.
        XCTAssertEqual(rings.count, 2)
        XCTAssertEqual(filled(rings, width: 5, height: 5), map.values)
    }

    func testEveryRandomMaskComesBackExactlyAtToleranceZero() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let width = Int.random(in: 1...16, using: &generator), height = Int.random(in: 1...16, using: &generator)
            let density = Double.random(in: 0.1...0.9, using: &generator)
            let values = (0..<(width * height)).map { _ in UInt16(Double.random(in: 0..<1, using: &generator) < density ? 1 : 0) }
            let map = LabelMap(width: width, height: height, values: values)
            guard let mask = ClassMask.all(in: map, skipping: [0]).first else { continue }
            let rings = MaskPolygons.polygons(of: mask, tolerance: 0)
            XCTAssertEqual(filled(rings, width: width, height: height), values, "\(width)×\(height): \(values)")
            if filled(rings, width: width, height: height) != values { return }
        }
    }

    /// A noise mask has hundreds of holes and islands, holes in islands in holes: every one comes
    /// back.
    func testANoiseMaskComesBackExactly() {
        var generator = SystemRandomNumberGenerator()
        let side = 64
        let values = (0..<(side * side)).map { _ in UInt16(Bool.random(using: &generator) ? 1 : 0) }
        let map = LabelMap(width: side, height: side, values: values)
        guard let mask = ClassMask.all(in: map, skipping: [0]).first else { return XCTFail("no mask") }
        let rings = MaskPolygons.polygons(of: mask, tolerance: 0)
        XCTAssertEqual(filled(rings, width: side, height: side), values)
    }

    func testSimplifyingKeepsEveryPointWithinTheTolerance() throws {
        // A staircase: 8 steps of one pixel become one diagonal edge at tolerance 1.
        let rows = (0..<8).map { y in String(repeating: "#", count: y + 1) + String(repeating: ".", count: 7 - y) }
        let exact = try polygons(rows).polygons[0], simple = try polygons(rows, tolerance: 1).polygons[0]
        XCTAssertEqual(exact.count, 18, "(0, 0), two corners a step, (0, 8)")
        XCTAssertLessThanOrEqual(simple.count, 4)
        for p in exact {
            let nearest = simple.indices.map { MaskPolygons.segmentDistance(p, simple[$0], simple[($0 + 1) % simple.count]) }.min()!
            XCTAssertLessThanOrEqual(nearest, 1 + 1e-9)
        }
    }
}
