/// Gaussian filtering in a feature space through the permutohedral lattice
/// (Adams, Baek and Davis, "Fast High-Dimensional Filtering Using the
/// Permutohedral Lattice", 2010): each point is splatted onto the d + 1
/// vertices of its enclosing simplex, the lattice is blurred along its d + 1
/// axes with a [1 2 1] kernel, and values are sliced back with the same
/// barycentric weights. Cost is linear in the number of points.
///
/// Features must already be divided by the kernel's standard deviations.
struct PermutohedralLattice {
    let pointCount: Int
    let dimension: Int
    /// Lattice vertex (+1; 0 is the empty slot) of each point's d + 1 simplex corners.
    private var offsets: [Int32]
    private var weights: [Float]
    /// For each axis, each vertex's two neighbors (+1; 0 when absent).
    private var neighbors: [Int32]
    let vertexCount: Int

    /// `features` holds `pointCount × dimension` values, point-major.
    init(features: [Float], pointCount: Int, dimension d: Int) {
        self.pointCount = pointCount
        self.dimension = d
        let d1 = d + 1
        var offsets = [Int32](repeating: 0, count: pointCount * d1)
        var weights = [Float](repeating: 0, count: pointCount * d1)
        // Start small and grow: lookups land at random, so a table no larger than
        // the vertices need stays in cache.
        var table = LatticeHashTable(keySize: d, capacity: 4096)

        var scale = [Float](repeating: 0, count: d)
        let inverseStd = Float((2.0 / 3.0).squareRoot()) * Float(d1)
        for i in 0..<d { scale[i] = inverseStd / Float(((i + 1) * (i + 2))).squareRoot() }
        // canonical[r][j]: the offset of coordinate j in the simplex vertex of remainder r.
        var canonical = [Int](repeating: 0, count: d1 * d1)
        for r in 0...d {
            for j in 0...(d - r) { canonical[r * d1 + j] = r }
            if d - r + 1 <= d { for j in (d - r + 1)...d { canonical[r * d1 + j] = r - d1 } }
        }
        // Per-point scratch, one allocation: elevated (d + 1), remainder-0 point (d + 1),
        // ranks (d + 1), barycentric weights (d + 2), and the key of one vertex (d).
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: 2 * d1 + 1)
        let ints = UnsafeMutablePointer<Int>.allocate(capacity: 2 * d1)
        let key = UnsafeMutablePointer<Int16>.allocate(capacity: d)
        defer { floats.deallocate(); ints.deallocate(); key.deallocate() }
        let elevated = floats, barycentric = floats + d1
        let remainder0 = ints, rank = ints + d1
        let down = 1 / Float(d1)
        features.withUnsafeBufferPointer { f in
            scale.withUnsafeBufferPointer { scale in
                canonical.withUnsafeBufferPointer { canonical in
                    offsets.withUnsafeMutableBufferPointer { offsets in
                        weights.withUnsafeMutableBufferPointer { weights in
                            for p in 0..<pointCount {
                                let base = p * d
                                // Elevate onto the hyperplane x · 1 = 0 in d + 1 dimensions.
                                var sum: Float = 0
                                for j in stride(from: d, to: 0, by: -1) {
                                    let cf = f[base + j - 1] * scale[j - 1]
                                    elevated[j] = sum - Float(j) * cf
                                    sum += cf
                                }
                                elevated[0] = sum
                                // The nearest remainder-0 point, and the ranks of the differences.
                                var total = 0
                                for j in 0...d {
                                    let rounded = (down * elevated[j]).rounded()
                                    remainder0[j] = Int(rounded) * d1
                                    total += Int(rounded)
                                }
                                for j in 0...d { rank[j] = 0 }
                                for i in 0..<d {
                                    for j in (i + 1)...d {
                                        if elevated[i] - Float(remainder0[i]) < elevated[j] - Float(remainder0[j]) {
                                            rank[i] += 1
                                        } else {
                                            rank[j] += 1
                                        }
                                    }
                                }
                                if total > 0 {
                                    for j in 0...d {
                                        if rank[j] >= d1 - total {
                                            remainder0[j] -= d1
                                            rank[j] += total - d1
                                        } else {
                                            rank[j] += total
                                        }
                                    }
                                } else if total < 0 {
                                    for j in 0...d {
                                        if rank[j] < -total {
                                            remainder0[j] += d1
                                            rank[j] += d1 + total
                                        } else {
                                            rank[j] += total
                                        }
                                    }
                                }
                                for j in 0..<(d + 2) { barycentric[j] = 0 }
                                for j in 0...d {
                                    let v = (elevated[j] - Float(remainder0[j])) * down
                                    barycentric[d - rank[j]] += v
                                    barycentric[d + 1 - rank[j]] -= v
                                }
                                barycentric[0] += 1 + barycentric[d + 1]
                                for r in 0...d {
                                    for j in 0..<d { key[j] = Int16(truncatingIfNeeded: remainder0[j] + canonical[r * d1 + rank[j]]) }
                                    offsets[p * d1 + r] = Int32(table.findOrInsert(key)) + 1
                                    weights[p * d1 + r] = barycentric[r]
                                }
                            }
                        }
                    }
                }
            }
        }
        let m = table.count
        var neighbors = [Int32](repeating: 0, count: d1 * m * 2)
        let n1 = UnsafeMutablePointer<Int16>.allocate(capacity: d), n2 = UnsafeMutablePointer<Int16>.allocate(capacity: d)
        defer { n1.deallocate(); n2.deallocate() }
        table.withKeys { keys in
            neighbors.withUnsafeMutableBufferPointer { neighbors in
                for v in 0..<m {
                    let k = keys.baseAddress! + v * d
                    for j in 0...d {
                        for c in 0..<d {
                            n1[c] = k[c] &- 1
                            n2[c] = k[c] &+ 1
                        }
                        if j < d {
                            n1[j] = k[j] &+ Int16(d)
                            n2[j] = k[j] &- Int16(d)
                        }
                        neighbors[(j * m + v) * 2] = Int32(table.find(n1) + 1)
                        neighbors[(j * m + v) * 2 + 1] = Int32(table.find(n2) + 1)
                    }
                }
            }
        }
        self.offsets = offsets
        self.weights = weights
        self.neighbors = neighbors
        self.vertexCount = m
    }

    /// Filters `channels` values per point (`pointCount × channels`, point-major).
    func filter(_ input: [Float], channels: Int) -> [Float] {
        var output = [Float](repeating: 0, count: pointCount * channels)
        var workspace = LatticeWorkspace()
        filter(input, channels: channels, scale: nil, into: &output, workspace: &workspace)
        return output
    }

    /// `output = s ⊙ K(s ⊙ input)` with `s` the per-point `scale` (1 when `nil`):
    /// the symmetric normalization folded into splatting and slicing. With
    /// `accumulate`, `output += accumulate · s ⊙ K(s ⊙ input)` instead, which
    /// saves mean-field a pass over its messages.
    func filter(
        _ input: [Float], channels: Int, scale: [Float]?, into output: inout [Float], workspace: inout LatticeWorkspace,
        accumulate: Float? = nil
    ) {
        let d1 = dimension + 1, m = vertexCount, count = (m + 1) * channels
        workspace.prepare(count)
        let alpha = 1 / (1 + Float.pow2(-dimension))
        let scale = scale ?? [Float](repeating: 1, count: pointCount)
        offsets.withUnsafeBufferPointer { offsets in
            weights.withUnsafeBufferPointer { weights in
                input.withUnsafeBufferPointer { input in
                    workspace.values.withUnsafeMutableBufferPointer { values in
                        for p in 0..<pointCount {
                            let s = scale[p]
                            let source = input.baseAddress! + p * channels
                            for r in 0..<d1 {
                                let target = values.baseAddress! + Int(offsets[p * d1 + r]) * channels
                                Vector.axpy(weights[p * d1 + r] * s, source, target, channels)
                            }
                        }
                    }
                }
            }
        }
        neighbors.withUnsafeBufferPointer { neighbors in
            for j in 0..<d1 {
                workspace.values.withUnsafeMutableBufferPointer { old in
                    workspace.scratch.withUnsafeMutableBufferPointer { new in
                        for c in 0..<channels { old[c] = 0 }  // slot 0: absent neighbors
                        for v in 0..<m {
                            let a = old.baseAddress! + Int(neighbors[(j * m + v) * 2]) * channels
                            let b = old.baseAddress! + Int(neighbors[(j * m + v) * 2 + 1]) * channels
                            let o = (v + 1) * channels
                            Vector.blur(old.baseAddress! + o, a, b, into: new.baseAddress! + o, channels)
                        }
                    }
                }
                swap(&workspace.values, &workspace.scratch)
            }
        }
        if output.count != pointCount * channels { output = [Float](repeating: 0, count: pointCount * channels) }
        let factor = alpha * (accumulate ?? 1)
        offsets.withUnsafeBufferPointer { offsets in
            weights.withUnsafeBufferPointer { weights in
                workspace.values.withUnsafeBufferPointer { values in
                    output.withUnsafeMutableBufferPointer { output in
                        for p in 0..<pointCount {
                            let s = scale[p] * factor
                            let target = output.baseAddress! + p * channels
                            if accumulate == nil { for c in 0..<channels { target[c] = 0 } }
                            for r in 0..<d1 {
                                let source = values.baseAddress! + Int(offsets[p * d1 + r]) * channels
                                Vector.axpy(weights[p * d1 + r] * s, source, target, channels)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Buffers one lattice filtering reuses between calls (mean-field calls it twice per iteration).
struct LatticeWorkspace {
    var values: [Float] = []
    var scratch: [Float] = []

    mutating func prepare(_ count: Int) {
        if values.count != count {
            values = [Float](repeating: 0, count: count)
            scratch = [Float](repeating: 0, count: count)
        } else {
            values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }
}

extension Float {
    static func pow2(_ exponent: Int) -> Float {
        exponent >= 0 ? Float(1 << exponent) : 1 / Float(1 << -exponent)
    }
}

/// Open-addressing hash table from lattice keys (d small integers) to vertex
/// numbers. A slot holds the key's hash, its vertex and a copy of the key side
/// by side, so a probe reads one cache line.
struct LatticeHashTable {
    let keySize: Int
    /// Keys in vertex order.
    private var keys: [Int16]
    /// `stride` UInt16s per slot: hash (2), vertex + 1 (2, 0 when empty), key (keySize), padding.
    private var table: [UInt16]
    private let stride: Int
    private var slotCount: Int
    private(set) var count = 0

    init(keySize: Int, capacity: Int) {
        self.keySize = keySize
        stride = (4 + keySize + 3) / 4 * 4
        var size = 1
        while size < capacity * 2 { size <<= 1 }
        slotCount = size
        table = [UInt16](repeating: 0, count: size * stride)
        keys = []
        keys.reserveCapacity(capacity * keySize)
    }

    /// All keys, `keySize` per vertex, in vertex order.
    func withKeys<R>(_ body: (UnsafeBufferPointer<Int16>) throws -> R) rethrows -> R {
        try keys.withUnsafeBufferPointer(body)
    }

    @inline(__always) private static func hash(_ key: UnsafePointer<Int16>, _ n: Int) -> UInt32 {
        var h: UInt64 = 0
        for i in 0..<n { h = (h &+ UInt64(UInt16(bitPattern: key[i]))) &* 2_531_011 }
        // Slots are picked by the low bits, which the multiply alone mixes poorly:
        // finish with MurmurHash3's 64-bit mixer so structured lattice keys spread out.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return UInt32(truncatingIfNeeded: h)
    }

    /// The slot holding `key`, or the empty slot where it would go, and that slot's vertex + 1.
    @inline(__always) private func probe(_ key: UnsafePointer<Int16>, hash h: UInt32) -> (slot: Int, vertexPlusOne: Int) {
        let (n, stride, mask) = (keySize, self.stride, slotCount - 1)
        return table.withUnsafeBufferPointer { table in
            var slot = Int(h) & mask
            while true {
                let entry = table.baseAddress! + slot * stride
                let vertexPlusOne = Int(entry[2]) | Int(entry[3]) << 16
                if vertexPlusOne == 0 { return (slot, 0) }
                if UInt32(entry[0]) | UInt32(entry[1]) << 16 == h {
                    var same = true
                    for i in 0..<n where Int16(bitPattern: entry[4 + i]) != key[i] { same = false; break }
                    if same { return (slot, vertexPlusOne) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The vertex of `key`, or -1.
    func find(_ key: UnsafePointer<Int16>) -> Int {
        probe(key, hash: Self.hash(key, keySize)).vertexPlusOne - 1
    }

    mutating func findOrInsert(_ key: UnsafePointer<Int16>) -> Int {
        if count * 2 >= slotCount { grow() }
        let h = Self.hash(key, keySize)
        let (slot, vertexPlusOne) = probe(key, hash: h)
        if vertexPlusOne > 0 { return vertexPlusOne - 1 }
        write(slot: slot, hash: h, vertexPlusOne: count + 1, key: key)
        keys.append(contentsOf: UnsafeBufferPointer(start: key, count: keySize))
        count += 1
        return count - 1
    }

    private mutating func write(slot: Int, hash h: UInt32, vertexPlusOne: Int, key: UnsafePointer<Int16>) {
        let (base, n) = (slot * stride, keySize)
        table.withUnsafeMutableBufferPointer { table in
            table[base] = UInt16(truncatingIfNeeded: h)
            table[base + 1] = UInt16(truncatingIfNeeded: h >> 16)
            table[base + 2] = UInt16(truncatingIfNeeded: vertexPlusOne)
            table[base + 3] = UInt16(truncatingIfNeeded: vertexPlusOne >> 16)
            for i in 0..<n { table[base + 4 + i] = UInt16(bitPattern: key[i]) }
        }
    }

    private mutating func grow() {
        slotCount *= 2
        table = [UInt16](repeating: 0, count: slotCount * stride)
        let stored = keys
        stored.withUnsafeBufferPointer { stored in
            for vertex in 0..<count {
                let key = stored.baseAddress! + vertex * keySize
                let h = Self.hash(key, keySize)
                write(slot: probe(key, hash: h).slot, hash: h, vertexPlusOne: vertex + 1, key: key)
            }
        }
    }
}

/// A window on the lattice for tests and tools: symmetric-normalized Gaussian
/// filtering of one channel over points with the given (already scaled) features.
public struct PermutohedralLatticeProbe {
    let lattice: PermutohedralLattice
    let norm: [Float]

    public init(features: [Float], count: Int) {
        lattice = PermutohedralLattice(features: features, pointCount: count, dimension: features.count / max(1, count))
        norm = lattice.filter([Float](repeating: 1, count: count), channels: 1)
    }

    /// `K x / K 1`: a Gaussian-weighted local mean.
    public func normalized(_ values: [Float]) -> [Float] {
        zip(lattice.filter(values, channels: 1), norm).map { $0 / max($1, 1e-20) }
    }
}
