/// A `rows × cols` grid of label values: the semantic descriptors of one image.
///
///     var grid = DescriptorGrid(rows: 2, cols: 2, fill: 0)
///     grid[1, 1] = 8
public struct DescriptorGrid: Hashable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Row-major label values.
    public var values: [UInt16]

    public init(rows: Int, cols: Int, fill: UInt16 = 0) {
        precondition(rows > 0 && cols > 0, "a grid needs at least one cell")
        self.rows = rows
        self.cols = cols
        self.values = Array(repeating: fill, count: rows * cols)
    }

    public init(rows: Int, cols: Int, values: [UInt16]) {
        precondition(values.count == rows * cols, "grid values must fill rows × cols")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public subscript(row: Int, col: Int) -> UInt16 {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }
}
