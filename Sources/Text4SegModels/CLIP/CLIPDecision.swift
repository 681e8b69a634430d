import Foundation
import Text4SegCore

/// The methods' post-processing, pixel by pixel at the original resolution (ClearCLIP's, SCLIP's
/// and NACLIP's `postprocess_result`): logits × `logitScale`, a softmax over the queries, each
/// class its best query's probability, then SCLIP's area threshold when set, the argmax (the
/// first class on ties, as `torch.argmax`) and the probability threshold, under which a pixel
/// takes class line 0. Rows come from a ``CLIPLogitRows`` in bands, so memory stays at a few rows
/// per thread whatever the image's size and the number of names.
///
///     let decision = CLIPDecision(slots: [0, 0, 1, 2], classes: 3, logitScale: 50, threshold: 0.5)
///     let result = decision.decide(width: w, height: h, bands: [0..<h]) { _ in (logits, 0) }
///     result.labels   // the class line of each pixel, `CLIPDecision.belowThreshold` under the threshold
public struct CLIPDecision: Sendable {
    /// The class line of each query.
    public var slots: [Int]
    /// The number of class lines.
    public var classes: Int
    public var logitScale: Float
    /// `prob_thd`: pixels whose (area-thresholded) best probability is under it get ``belowThreshold``.
    public var threshold: Float
    /// SCLIP's `area_thd`: classes other than line 0 holding at most this share of the argmax pixels
    /// of all classes other than line 0 get probability 0 before deciding.
    public var areaThreshold: Float?
    /// NACLIP's: the class probabilities kept as scores are divided by their sum, after deciding.
    public var renormalize: Bool

    /// The label of a pixel under the threshold: class line 0 in the methods' code; the engine maps it.
    public static let belowThreshold = UInt16.max

    public init(
        slots: [Int], classes: Int, logitScale: Float, threshold: Float, areaThreshold: Float? = nil, renormalize: Bool = false
    ) {
        self.slots = slots
        self.classes = classes
        self.logitScale = logitScale
        self.threshold = threshold
        self.areaThreshold = areaThreshold
        self.renormalize = renormalize
    }

    /// Grid cells over the original image whose mean class probabilities are kept (the engine's
    /// per-cell scores): pixel `(x, y)` belongs to cell `(y · rows / height, x · cols / width)`.
    public struct Cells: Sendable {
        public var rows: Int, cols: Int
        public init(rows: Int, cols: Int) {
            self.rows = rows
            self.cols = cols
        }
    }

    public struct Result: Sendable {
        /// Each pixel's class line, row-major, or ``CLIPDecision/belowThreshold``.
        public var labels: [UInt16]
        /// Mean class probabilities per cell, `classes × rows × cols`.
        public var cellScores: [Float]
    }

    /// One row's class probabilities: `logits` (`queries × width`, overwritten) to `out`
    /// (`classes × width`), before the area threshold.
    public func probabilities(_ logits: UnsafeMutablePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>) {
        let q = slots.count
        var pixel = [Float](repeating: 0, count: q)
        pixel.withUnsafeMutableBufferPointer { p in
            let v = p.baseAddress!
            for x in 0..<width {
                for k in 0..<q { v[k] = logitScale * logits[k * width + x] }
                Vector.softmaxRows(v, rows: 1, width: q)
                for c in 0..<classes { out[c * width + x] = 0 }
                for k in 0..<q where v[k] > out[slots[k] * width + x] { out[slots[k] * width + x] = v[k] }
            }
        }
    }

    /// Decides every pixel of a `width × height` image. `bands` cover the rows in order; `rows`
    /// gives each band's logits and the image row of its row 0 (a band may hold more rows than it
    /// decides, as a PAMR band's margins do). With an area threshold, every band is asked for twice.
    public func decide(
        width: Int, height: Int, bands: [Range<Int>], cells: Cells? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        rows: (Range<Int>) -> (logits: any CLIPLogitRows, offset: Int)
    ) -> Result {
        let keep = areaThreshold.map { areaKeep($0, width: width, bands: bands, jobs: jobs, rows: rows) }
        let cellCount = cells.map { $0.rows * $0.cols } ?? 0
        let workers = max(1, jobs)
        var labels = [UInt16](repeating: 0, count: width * height)
        var sums = [[Float]](repeating: [Float](repeating: 0, count: classes * cellCount), count: workers)
        var counts = [Float](repeating: 0, count: cellCount)
        let cellOfColumn = cells.map { c in (0..<width).map { $0 * c.cols / width } } ?? []
        labels.withUnsafeMutableBufferPointer { labelBuffer in
            let labelBox = UInt16Box(pointer: labelBuffer.baseAddress!)
            let sumBox = FloatArrays(sums)
            for band in bands {
                let (source, offset) = rows(band)
                let q = source.queries
                let n = max(1, min(workers, band.count))
                DispatchQueue.concurrentPerform(iterations: n) { worker in
                    var logits = [Float](repeating: 0, count: q * width)
                    var probs = [Float](repeating: 0, count: classes * width)
                    var local = [Float](repeating: 0, count: classes * cellCount)
                    for y in Swift.stride(from: band.lowerBound + worker, to: band.upperBound, by: n) {
                        logits.withUnsafeMutableBufferPointer { l in
                            probs.withUnsafeMutableBufferPointer { p in
                                source.row(y - offset, into: l.baseAddress!)
                                probabilities(l.baseAddress!, width: width, into: p.baseAddress!)
                                decideRow(p.baseAddress!, width: width, keep: keep, into: labelBox.pointer + y * width)
                            }
                        }
                        if let cells {
                            let cellRow = y * cells.rows / height
                            for c in 0..<classes {
                                let base = c * cellCount + cellRow * cells.cols
                                for x in 0..<width { local[base + cellOfColumn[x]] += probs[c * width + x] }
                            }
                        }
                    }
                    sumBox.add(local, worker: worker)
                }
            }
            sums = sumBox.values
        }
        if let cells {
            for y in 0..<height {
                let cellRow = y * cells.rows / height
                for x in 0..<width { counts[cellRow * cells.cols + cellOfColumn[x]] += 1 }
            }
        }
        var scores = [Float](repeating: 0, count: classes * cellCount)
        for worker in sums { for i in scores.indices { scores[i] += worker[i] } }
        for c in 0..<classes { for i in 0..<cellCount { scores[c * cellCount + i] /= max(counts[i], 1) } }
        return Result(labels: labels, cellScores: scores)
    }

    /// Applies the area mask, decides, and leaves in `probs` the scores the method keeps.
    func decideRow(_ probs: UnsafeMutablePointer<Float>, width: Int, keep: [Bool]?, into labels: UnsafeMutablePointer<UInt16>) {
        if let keep { for c in 1..<classes where !keep[c] { (probs + c * width).update(repeating: 0, count: width) } }
        for x in 0..<width {
            let (best, top) = Self.best(probs, classes: classes, width: width, x: x)
            labels[x] = top < threshold ? Self.belowThreshold : UInt16(best)
            if renormalize {
                var sum: Float = 0
                for c in 0..<classes { sum += probs[c * width + x] }
                for c in 0..<classes { probs[c * width + x] /= sum }
            }
        }
    }

    /// SCLIP's area test: which classes survive (line 0 always does).
    func areaKeep(
        _ share: Float, width: Int, bands: [Range<Int>], jobs: Int, rows: (Range<Int>) -> (logits: any CLIPLogitRows, offset: Int)
    ) -> [Bool] {
        let counts = FloatArrays([[Float]](repeating: [Float](repeating: 0, count: classes), count: max(1, jobs)))
        for band in bands {
            let (source, offset) = rows(band)
            let n = max(1, min(jobs, band.count))
            DispatchQueue.concurrentPerform(iterations: n) { worker in
                var logits = [Float](repeating: 0, count: source.queries * width)
                var probs = [Float](repeating: 0, count: classes * width)
                var local = [Float](repeating: 0, count: classes)
                for y in Swift.stride(from: band.lowerBound + worker, to: band.upperBound, by: n) {
                    logits.withUnsafeMutableBufferPointer { l in
                        probs.withUnsafeMutableBufferPointer { p in
                            source.row(y - offset, into: l.baseAddress!)
                            probabilities(l.baseAddress!, width: width, into: p.baseAddress!)
                        }
                    }
                    for x in 0..<width { local[Self.best(probs, classes: classes, width: width, x: x).class] += 1 }
                }
                counts.add(local, worker: worker)
            }
        }
        var total = [Float](repeating: 0, count: classes)
        for worker in counts.values { for c in 0..<classes { total[c] += worker[c] } }
        // As SCLIP: counts compared in float, against the share of the pixels of classes 1…
        let others = total.dropFirst().reduce(0, +)
        return (0..<classes).map { $0 == 0 || total[$0] > share * others }
    }

    /// The class with the highest probability at column `x` of a `classes × width` row, the first
    /// on ties (as `torch.argmax`), and that probability.
    static func best(_ probs: UnsafePointer<Float>, classes: Int, width: Int, x: Int) -> (class: Int, probability: Float) {
        var best = 0, top = probs[x]
        for c in 1..<classes where probs[c * width + x] > top {
            top = probs[c * width + x]
            best = c
        }
        return (best, top)
    }
}

/// A label buffer written by several threads, each its own rows.
struct UInt16Box: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UInt16>
}

/// Per-worker float arrays added to under a lock.
final class FloatArrays: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[Float]]

    init(_ values: [[Float]]) { self.values = values }

    func add(_ local: [Float], worker: Int) {
        lock.lock()
        for i in local.indices { values[worker][i] += local[i] }
        lock.unlock()
    }
}
