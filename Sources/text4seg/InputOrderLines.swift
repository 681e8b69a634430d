/// Lines that come in completion order, let out in input order: each finished item's line
/// (or none) is held until every item before it has finished.
struct InputOrderLines {
    private var held: [Int: String?] = [:]
    private var next = 0
    private let count: Int

    init(count: Int) { self.count = count }

    /// Item `index` finished with `line`; returns the lines now due, in order.
    mutating func finished(_ index: Int, _ line: String?) -> [String] {
        held[index] = .some(line)
        var due: [String] = []
        while next < count, let line = held.removeValue(forKey: next) {
            if let line { due.append(line) }
            next += 1
        }
        return due
    }
}
