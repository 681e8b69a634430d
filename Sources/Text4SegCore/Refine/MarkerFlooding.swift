/// Marker-controlled watershed by priority flooding, with a seeded-region-
/// growing term (Adams & Bischof, 1994): an unmarked pixel's priority is its
/// edge strength plus `colorWeight` times its color distance to the marked
/// pixel the flood started from. Unmarked pixels take the label of the first
/// flood to reach them; 4-connected, ties go to the earlier push.
enum MarkerFlooding {
    /// - Parameters:
    ///   - labels: the marker label of each pixel, or -1 where it is unknown; filled in place.
    ///   - edges: edge strength per pixel.
    ///   - color: planes of the color each pixel is compared in (e.g. L*a*b*).
    static func flood(labels: inout [Int32], edges: [Float], color: [[Float]], width: Int, colorWeight: Float) {
        var heap = FloodHeap()
        var age: UInt32 = 0
        labels.withUnsafeMutableBufferPointer { labels in
            edges.withUnsafeBufferPointer { edges in
                func push(_ index: Int, from source: Int) {
                    var distance: Float = 0
                    for plane in color {
                        let d = plane[index] - plane[source]
                        distance += d * d
                    }
                    let priority = edges[index] + colorWeight * distance.squareRoot()
                    heap.push(.init(priority: priority, age: age, index: Int32(index), source: Int32(source)))
                    age &+= 1
                }
                func pushNeighbors(of i: Int, source: Int) {
                    let x = i % width
                    if x > 0, labels[i - 1] < 0 { push(i - 1, from: source) }
                    if x + 1 < width, labels[i + 1] < 0 { push(i + 1, from: source) }
                    if i >= width, labels[i - width] < 0 { push(i - width, from: source) }
                    if i + width < labels.count, labels[i + width] < 0 { push(i + width, from: source) }
                }
                // Markers whose neighbors are all marked push nothing.
                for i in 0..<labels.count where labels[i] >= 0 { pushNeighbors(of: i, source: i) }
                while let next = heap.pop() {
                    let i = Int(next.index)
                    if labels[i] >= 0 { continue }
                    labels[i] = labels[Int(next.source)]
                    pushNeighbors(of: i, source: Int(next.source))
                }
            }
        }
    }
}

/// A binary min-heap on (priority, age).
struct FloodHeap {
    struct Entry {
        var priority: Float
        var age: UInt32
        var index: Int32
        var source: Int32

        @inline(__always) static func < (a: Entry, b: Entry) -> Bool {
            a.priority < b.priority || (a.priority == b.priority && a.age < b.age)
        }
    }

    private var items: [Entry] = []

    mutating func push(_ entry: Entry) {
        items.append(entry)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry < items[parent] else { break }
            items[child] = items[parent]
            child = parent
        }
        items[child] = entry
    }

    mutating func pop() -> Entry? {
        guard let last = items.popLast() else { return nil }
        guard let top = items.first else { return last }
        var parent = 0
        let count = items.count
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count && items[child + 1] < items[child] { child += 1 }
            guard items[child] < last else { break }
            items[parent] = items[child]
            parent = child
        }
        items[parent] = last
        return top
    }
}
