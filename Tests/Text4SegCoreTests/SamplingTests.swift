import Text4SegCore
import XCTest

final class SamplingTests: XCTestCase {
    func testPillowNearestIndices() {
        // floor((i + 0.5) * in / out): 500 → 24 starts at floor(10.416…) = 10.
        let xs = LabelMap.pillowNearestIndices(input: 500, output: 24)
        XCTAssertEqual(xs.first, 10)
        XCTAssertEqual(xs.last, 489)
        XCTAssertEqual(LabelMap.pillowNearestIndices(input: 4, output: 2), [1, 3])
        XCTAssertEqual(LabelMap.pillowNearestIndices(input: 2, output: 4), [0, 0, 1, 1])
    }

    func testFloorIndicesAndNearestRefinerFollowTheReference() throws {
        XCTAssertEqual(Resampling.floorIndices(input: 2, output: 5), [0, 0, 0, 1, 1])
        let grid = DescriptorGrid(rows: 2, cols: 2, values: [1, 2, 3, 4])
        // Through a 3×3 view: view index floor(v*2/3) = [0, 0, 1]; then 5 wide: floor(x*3/5) = [0, 0, 1, 1, 2].
        let map = try NearestRefiner().refine(RefinementInput(grid: grid, image: RGBImage(width: 5, height: 1), viewSize: 3))
        XCTAssertEqual(map.values, [1, 1, 1, 1, 2])
        let tall = try NearestRefiner().refine(RefinementInput(grid: grid, image: RGBImage(width: 2, height: 4), viewSize: 336))
        XCTAssertEqual(tall.values, [1, 2, 1, 2, 3, 4, 3, 4])
    }

    func testNearestDownsamplingMapsIgnoreToOthers() {
        let map = LabelMap(width: 4, height: 2, values: [255, 1, 1, 1, 2, 2, 255, 255])
        let grid = map.downsample(rows: 2, cols: 2, rule: .nearest, ignoreValue: 255, othersValue: 0)
        XCTAssertEqual(grid.values, [1, 1, 2, 0])
    }

    func testMajorityDownsamplingSkipsIgnoreAndBreaksTiesLow() {
        let map = LabelMap(width: 4, height: 2, values: [255, 255, 3, 2, 255, 5, 2, 3])
        let grid = map.downsample(rows: 1, cols: 2, rule: .majority, ignoreValue: 255, othersValue: 0)
        // Left cell: only 5 is not ignore. Right cell: 3, 2, 2, 3 tie → 2.
        XCTAssertEqual(grid.values, [5, 2])
        let empty = LabelMap(width: 2, height: 1, values: [255, 255]).downsample(
            rows: 1, cols: 1, rule: .majority, ignoreValue: 255, othersValue: 0)
        XCTAssertEqual(empty.values, [0])
    }

    func testBilinearViewKeepsFlatColorsAndSize() {
        let image = RGBImage(width: 500, height: 375, fill: RGBColor(10, 200, 30))
        let view = Resampling.bilinear(image, width: 336, height: 336)
        XCTAssertEqual(view.width, 336)
        XCTAssertEqual(view.height, 336)
        XCTAssertEqual(Set(view.pixels), [10, 200, 30])
    }
}
