import Foundation
import Text4SegCore
import Text4SegTestSupport
import XCTest

/// COCO masks decoded as pycocotools decodes them: polygons (its rasterizer, exactly), and
/// both RLE forms.
final class COCOMaskTests: XCTestCase {
    func testHandCheckedShapes() throws {
        // A 4×3 image, runs down the columns: 2 off, 3 on (column 0's last pixel, column 1's first two), 7 off.
        let mask = try COCOMask.runs([2, 3, 7], height: 3, width: 4)
        XCTAssertEqual(mask.values, [0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(try COCOMask.compressed(COCORLE.string([2, 3, 7]), height: 3, width: 4), mask)
        XCTAssertThrowsError(try COCOMask.runs([2, 3], height: 3, width: 4))
        XCTAssertThrowsError(try COCOMask.runs([20], height: 3, width: 4))
        XCTAssertThrowsError(try COCOMask.polygons([[1, 2, 3]], height: 3, width: 4))
        XCTAssertThrowsError(try COCOMask.polygons([[1, 2, 3, 4, .nan, 1]], height: 3, width: 4))
        XCTAssertThrowsError(try COCOMask.polygons([[1, 2, 3, 4, 5e6, 1]], height: 3, width: 4))
        // Runs and compressed counts that overflow a 64-bit sum are refused, not trapped on.
        XCTAssertThrowsError(try COCOMask.runs([1, Int.max], height: 3, width: 4))
        // "PPPPPPPPPPP8" is a delta of 2⁵⁸; each run adds the one two back, so 80 of them pass 2⁶³.
        XCTAssertNil(COCORLE.runs("000" + String(repeating: "PPPPPPPPPPP8", count: 80)))
        // An outline past COCOMask.maxTrace (here 500 edges of 2·10⁵ pixels) is refused before anything is allocated.
        let zigzag = (0..<500).flatMap { [Double($0 % 2 == 0 ? -100_000 : 100_000), Double($0)] }
        XCTAssertThrowsError(try COCOMask.polygons([zigzag], height: 3, width: 4)) { error in
            XCTAssertTrue("\(error)".contains("outline is longer than"), "\(error)")
        }
        // A point repeated (after pycocotools' ×5 rounding) changes nothing; it once divided 0 by 0 (a fuzzed instances.json).
        XCTAssertEqual(
            try COCOMask.polygons([[1, 1, 9, 1, 9, 1.02, 9, 9, 1, 9]], height: 20, width: 20),
            try COCOMask.polygons([[1, 1, 9, 1, 9, 9, 1, 9]], height: 20, width: 20))
        XCTAssertEqual(try COCOMask.polygons([[4, 1, 9, 170.3691, 9, 170.32]], height: 331, width: 166).values.filter { $0 != 0 }.count, 0)
        // The square with corners at pixel centers 1 and 3 covers pixels 1…2 in pycocotools' convention.
        let square = try COCOMask.polygons([[1, 1, 3, 1, 3, 3, 1, 3]], height: 5, width: 5)
        XCTAssertEqual(square.values.reduce(0) { $0 + Int($1) }, 4)
    }

    /// Random polygons (inside, across the border, degenerate, several per mask) against pycocotools.
    func testPolygonsMatchPycocotoolsPixelForPixel() throws {
        try Prerequisite.annotationTools.require()
        var generator = SplitMix64(seed: 2024)
        var cases: [[String: Any]] = []
        for n in 0..<300 {
            let height = Int.random(in: 1...60, using: &generator)
            let width = Int.random(in: 1...60, using: &generator)
            let count = n % 7 == 0 ? 2 : 1
            let polygons = (0..<count).map { _ in
                (0..<(2 * Int.random(in: 3...9, using: &generator))).map { i in
                    let side = Double(i % 2 == 0 ? width : height)
                    return (Double.random(in: -0.3...1.3, using: &generator) * side * 100).rounded() / 100
                }
            }
            cases.append(["h": height, "w": width, "polygons": polygons])
        }
        let folder = try CLI.temporaryFolder()
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: folder + "/cases.json"))
        let run = try CLI.python(
            """
            import json, sys
            from pycocotools import mask as m
            out = []
            for c in json.load(open(sys.argv[1])):
                rles = m.frPyObjects(c["polygons"], c["h"], c["w"])
                d = m.decode(m.merge(rles))
                out.append([int(v) for v in d.reshape(-1)])
            json.dump(out, open(sys.argv[2], "w"))
            """, [folder + "/cases.json", folder + "/masks.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/masks.json"))) as? [[Int]])
        var mismatched = 0
        for (index, item) in cases.enumerated() {
            let mask = try COCOMask.polygons(item["polygons"] as! [[Double]], height: item["h"] as! Int, width: item["w"] as! Int)
            if mask.values.map(Int.init) != expected[index] {
                mismatched += 1
                if mismatched < 3 { XCTFail("case \(index): \(item)") }
            }
        }
        XCTAssertEqual(mismatched, 0)
    }
}
