import Foundation

/// Pixel-adaptive mask refinement (Araslanov & Roth, CVPR 2020), exactly as
/// NACLIP and SCLIP run it (their `pamr.py`): each class plane is replaced,
/// `iterations` times, by a weighted mean of its 8 neighbours at every
/// dilation, the weights coming from how alike the image is there.
///
/// For a pixel *i* and its neighbours *j* (8 per dilation *d*, at offsets
/// `(±d | 0, ±d | 0)`, edges replicated), with σₖ the unbiased standard
/// deviation of image channel *k* over the 9 taps (centre included) of every
/// dilation together:
///
///     a(i, j) = softmaxⱼ( meanₖ( −|xₖ(i) − xₖ(j)| / (1e-8 + 0.1 σₖ(i)) ) )
///     mask(i) ← Σⱼ a(i, j) · mask(j)
///
/// The centre itself is not among the neighbours it averages. The weights are
/// computed once from the image; the iterations only reuse them, so memory is
/// one `8 · dilations.count × height × width` affinity plus one copy of the planes.
///
/// ```swift
/// var logits: [Float] = ...  // classes × height × width
/// PAMR().refine(&logits, channels: classes, image: rgb, imageChannels: 3, width: w, height: h)
/// ```
public struct PAMR: Sendable {
    /// How many times the planes are propagated (`num_iter`; NACLIP uses 10). None or fewer: no change.
    public var iterations: Int
    /// The neighbour distances in pixels (NACLIP's `pamr_stride`, `(8, 16)`). The reference
    /// takes positive values only; here a negative one acts as its absolute value, and 0
    /// makes every neighbour the pixel itself. An empty list changes nothing.
    public var dilations: [Int]

    public init(iterations: Int = 10, dilations: [Int] = [8, 16]) {
        self.iterations = iterations
        self.dilations = dilations
    }

    /// Refines `planes` (`channels × height × width`, planar, row-major) in place,
    /// guided by `image` (`imageChannels × height × width`, planar; any affine scale
    /// per channel gives the same weights, up to the 1e-8 in the denominator).
    ///
    /// Any size of at least 1×1 works, also one smaller than the dilations: the
    /// edges are replicated as far as needed, as `F.pad(mode: "replicate")` does.
    /// With no image channels every neighbour weighs the same.
    public func refine(
        _ planes: inout [Float], channels: Int, image: [Float], imageChannels: Int, width: Int, height: Int
    ) {
        precondition(channels >= 0 && imageChannels >= 0 && width >= 0 && height >= 0, "sizes cannot be negative")
        precondition(planes.count == channels * width * height, "planes must be channels × height × width")
        precondition(image.count == imageChannels * width * height, "image must be imageChannels × height × width")
        guard iterations > 0, !dilations.isEmpty, channels > 0, width > 0, height > 0 else { return }
        let affinity = self.affinity(image: image, imageChannels: imageChannels, width: width, height: height)
        propagate(&planes, channels: channels, affinity: affinity, width: width, height: height)
    }

    /// The neighbours' offsets `(dy, dx)`, in the reference's order: per dilation, the
    /// 3×3 taps row by row, with (`centre: true`) or without the centre.
    func taps(centre: Bool) -> [(dy: Int, dx: Int)] {
        var taps: [(dy: Int, dx: Int)] = []
        for d in dilations.map(abs) {
            for ky in -1...1 {
                for kx in -1...1 where centre || ky != 0 || kx != 0 { taps.append((ky * d, kx * d)) }
            }
        }
        return taps
    }

    /// The softmax-normalised weights, `neighbours × height × width`, neighbour-major.
    func affinity(image: [Float], imageChannels: Int, width: Int, height: Int) -> [Float] {
        let neighbours = taps(centre: false)
        let window = taps(centre: true)
        let count = neighbours.count, n = window.count, area = width * height
        // Which window tap each neighbour is (the window holds each dilation's centre too).
        let neighbourTap = (0..<n).filter { $0 % 9 != 4 }
        var affinity = [Float](repeating: 0, count: count * area)
        let bands = Self.bands(rows: height, work: max(1, imageChannels) * n * area)
        affinity.withUnsafeMutableBufferPointer { out in
            image.withUnsafeBufferPointer { image in
                let shared = BandPointers(target: out.baseAddress!, source: image.baseAddress, weights: nil)
                DispatchQueue.concurrentPerform(iterations: bands) { band in
                    let out = shared.target, image = shared.source
                    let rows = Self.rows(of: band, bands: bands, height: height)
                    let values = UnsafeMutablePointer<Float>.allocate(capacity: n * width)
                    let mean = UnsafeMutablePointer<Double>.allocate(capacity: width)
                    let squares = UnsafeMutablePointer<Double>.allocate(capacity: width)
                    let scale = UnsafeMutablePointer<Float>.allocate(capacity: width)
                    defer {
                        values.deallocate()
                        mean.deallocate()
                        squares.deallocate()
                        scale.deallocate()
                    }
                    for y in rows {
                        for k in 0..<imageChannels {
                            let plane = image! + k * area
                            for (t, tap) in window.enumerated() {
                                Self.gather(
                                    values + t * width, from: plane + Self.clamp(y + tap.dy, height) * width, shift: tap.dx,
                                    width: width)
                            }
                            // The unbiased standard deviation over all taps (two passes, in Double).
                            mean.initialize(repeating: 0, count: width)
                            squares.initialize(repeating: 0, count: width)
                            for t in 0..<n {
                                let row = values + t * width
                                for x in 0..<width { mean[x] += Double(row[x]) }
                            }
                            for x in 0..<width { mean[x] /= Double(n) }
                            for t in 0..<n {
                                let row = values + t * width
                                for x in 0..<width {
                                    let deviation = Double(row[x]) - mean[x]
                                    squares[x] += deviation * deviation
                                }
                            }
                            for x in 0..<width {
                                let deviation = Float((squares[x] / Double(n - 1)).squareRoot())
                                scale[x] = Float(1e-8) + Float(0.1) * deviation
                            }
                            let centre = plane + y * width
                            for (p, t) in neighbourTap.enumerated() {
                                let row = values + t * width, target = out + p * area + y * width
                                for x in 0..<width { target[x] += -abs(centre[x] - row[x]) / scale[x] }
                            }
                        }
                        // Mean over the image channels, then softmax over the neighbours.
                        let divisor = Float(max(1, imageChannels))
                        for x in 0..<width {
                            var largest = -Float.infinity
                            for p in 0..<count {
                                let value = out[p * area + y * width + x] / divisor
                                out[p * area + y * width + x] = value
                                largest = max(largest, value)
                            }
                            var sum: Float = 0
                            for p in 0..<count {
                                let e = Foundation.exp(out[p * area + y * width + x] - largest)
                                out[p * area + y * width + x] = e
                                sum += e
                            }
                            for p in 0..<count { out[p * area + y * width + x] /= sum }
                        }
                    }
                }
            }
        }
        return affinity
    }

    /// `iterations` times: each plane becomes the affinity-weighted sum of its shifted copies.
    ///
    /// Row by row, every channel in turn, so that a row's weights are read from
    /// memory once per iteration rather than once per channel.
    func propagate(_ planes: inout [Float], channels: Int, affinity: [Float], width: Int, height: Int) {
        let distances = dilations.map(abs)
        let area = width * height
        let bands = Self.bands(rows: height, work: 8 * distances.count * area * channels)
        var next = [Float](repeating: 0, count: planes.count)
        for _ in 0..<iterations {
            planes.withUnsafeBufferPointer { source in
                next.withUnsafeMutableBufferPointer { target in
                    affinity.withUnsafeBufferPointer { affinity in
                        let shared = BandPointers(target: target.baseAddress!, source: source.baseAddress!, weights: affinity.baseAddress!)
                        DispatchQueue.concurrentPerform(iterations: bands) { band in
                            let source = shared.source!, target = shared.target, weights = shared.weights!
                            for y in Self.rows(of: band, bands: bands, height: height) {
                                for channel in 0..<channels {
                                    let out = target + channel * area + y * width
                                    out.initialize(repeating: 0, count: width)
                                    for (i, d) in distances.enumerated() {
                                        Self.accumulate(
                                            into: out, weights: weights + 8 * i * area + y * width, stride: area,
                                            plane: source + channel * area, y: y, distance: d, width: width, height: height)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            swap(&planes, &next)
        }
    }

    // MARK: Rows with replicated edges

    static func clamp(_ index: Int, _ count: Int) -> Int { min(max(index, 0), count - 1) }

    /// `target[x] = row[clamp(x + shift)]`.
    static func gather(_ target: UnsafeMutablePointer<Float>, from row: UnsafePointer<Float>, shift: Int, width: Int) {
        // [0, lead) reads the first pixel, [lead, tail) reads x + shift, [tail, width) the last.
        let lead = min(max(-shift, 0), width)
        let tail = max(min(width - shift, width), lead)
        for x in 0..<lead { target[x] = row[0] }
        if tail > lead { (target + lead).update(from: row + (lead + shift), count: tail - lead) }
        for x in tail..<width { target[x] = row[width - 1] }
    }

    /// Adds one dilation's 8 weighted neighbours to a row: `out[x] += Σⱼ wⱼ[x] · plane[neighbour j of (x, y)]`,
    /// in the reference's order, edges replicated. `weights` points at the first
    /// neighbour's row; the others follow `stride` apart.
    static func accumulate(
        into out: UnsafeMutablePointer<Float>, weights: UnsafePointer<Float>, stride: Int, plane: UnsafePointer<Float>, y: Int,
        distance d: Int, width: Int, height: Int
    ) {
        let above = plane + clamp(y - d, height) * width, row = plane + y * width
        let below = plane + clamp(y + d, height) * width
        let w0 = weights, w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride
        let w4 = w3 + stride, w5 = w4 + stride, w6 = w5 + stride, w7 = w6 + stride
        // Columns whose neighbours all lie inside the row, and the ones that need clamping.
        let lo = min(d, width), hi = max(width - d, lo)
        if hi > lo {
            let n = hi - lo
            let o = out + lo
            let a0 = above + (lo - d), a1 = above + lo, a2 = above + (lo + d)
            let r0 = row + (lo - d), r2 = row + (lo + d)
            let b0 = below + (lo - d), b1 = below + lo, b2 = below + (lo + d)
            let v0 = w0 + lo, v1 = w1 + lo, v2 = w2 + lo, v3 = w3 + lo
            let v4 = w4 + lo, v5 = w5 + lo, v6 = w6 + lo, v7 = w7 + lo
            for x in 0..<n {
                var sum = o[x]
                sum += v0[x] * a0[x]
                sum += v1[x] * a1[x]
                sum += v2[x] * a2[x]
                sum += v3[x] * r0[x]
                sum += v4[x] * r2[x]
                sum += v5[x] * b0[x]
                sum += v6[x] * b1[x]
                sum += v7[x] * b2[x]
                o[x] = sum
            }
        }
        func clamped(_ x: Int) {
            let left = max(x - d, 0), right = min(x + d, width - 1)
            var sum = out[x]
            sum += w0[x] * above[left]
            sum += w1[x] * above[x]
            sum += w2[x] * above[right]
            sum += w3[x] * row[left]
            sum += w4[x] * row[right]
            sum += w5[x] * below[left]
            sum += w6[x] * below[x]
            sum += w7[x] * below[right]
            out[x] = sum
        }
        for x in 0..<lo { clamped(x) }
        for x in hi..<width { clamped(x) }
    }

    // MARK: Splitting the work

    /// How many row bands to cut the image into: about four per core,
    /// one band when the work is too small to be worth sharing.
    static func bands(rows: Int, work: Int) -> Int {
        guard work >= 1 << 16 else { return 1 }
        return max(1, min(rows, 4 * ProcessInfo.processInfo.activeProcessorCount))
    }

    static func rows(of band: Int, bands: Int, height: Int) -> Range<Int> {
        (band * height / bands)..<((band + 1) * height / bands)
    }
}

/// The buffers `concurrentPerform`'s bands share; each band writes only its own rows of `target`.
private struct BandPointers: @unchecked Sendable {
    let target: UnsafeMutablePointer<Float>
    let source: UnsafePointer<Float>?
    let weights: UnsafePointer<Float>?
}
