import Text4SegCore
import XCTest

/// Each class's share of a label map, and its mean engine score over the cells it won.
final class ClassShareTests: XCTestCase {
    func testAScoreIsTheMeanOverTheCellsTheGridGivesTheClass() throws {
        var grid = DescriptorGrid(rows: 2, cols: 2)
        grid.values = [0, 1, 1, 0]
        let scores: [Int: [Float]] = [0: [0.5, 0.1, 0.2, 0.75], 1: [0.25, 0.5, 1.0, 0.25]]
        let shares = [
            ClassShare(id: 1, name: "aeroplane", share: 0.5), ClassShare(id: 0, name: "background", share: 0.4),
            ClassShare(id: 7, name: "car", share: 0.1),
        ]
        let scored = ClassShare.scored(shares, grid: grid, scores: scores)
        // aeroplane: cells 1 and 2 → (0.5 + 1.0) / 2; background: cells 0 and 3 → (0.5 + 0.75) / 2; car: no cell.
        XCTAssertEqual(scored.map(\.score), [0.75, 0.625, nil])
        XCTAssertEqual(scored.map(\.share), shares.map(\.share))
    }
}
