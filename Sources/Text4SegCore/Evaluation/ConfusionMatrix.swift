/// Pixel counts of (ground truth, prediction) pairs, accumulated over a dataset.
///
/// For `K` classes the matrix is `(K + 1) × (K + 1)`: row `K` collects ground
/// truth that is the ignore value (or out of range), column `K` predictions
/// out of range. Keeping them lets every protocol be derived afterwards,
/// including Text4Seg's, which counts predictions on ignored pixels.
///
///     var cm = ConfusionMatrix(classCount: 21, ignoreValue: 255)
///     try cm.add(prediction: pred, groundTruth: gt)
///     let metrics = cm.metrics(.mmseg)
///
/// Counts are stored sparsely (only non-zero pairs), so a vocabulary of ten
/// thousand classes costs memory and time in the pairs that occur, not in K².
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    public let ignoreValue: Int
    /// Non-zero counts keyed by `gt * (K + 1) + pred`.
    public private(set) var entries: [Int: UInt64] = [:]
    /// All counts together. Matrices built from counts read from files, and sums of them,
    /// stay within ``Limits/pixelCount``, so no row, column or union of them can overflow.
    public private(set) var total: UInt64 = 0

    public init(classCount: Int, ignoreValue: Int = 255) {
        self.classCount = classCount
        self.ignoreValue = ignoreValue
    }

    /// A matrix from dense row-major `(classCount + 1)²` counts.
    public init(classCount: Int, ignoreValue: Int, counts: [UInt64]) throws {
        guard counts.count == (classCount + 1) * (classCount + 1) else {
            throw EvaluationError.badMatrix("expected \((classCount + 1) * (classCount + 1)) counts, found \(counts.count)")
        }
        self.init(classCount: classCount, ignoreValue: ignoreValue)
        for (index, count) in counts.enumerated() where count > 0 {
            entries[index] = count
            total = try Self.checkedSum(total, count)
        }
    }

    /// A matrix from `[index, count]` pairs (index `gt * (K + 1) + pred`), as journals store them.
    /// Throws when an index does not fit `classCount` or the counts sum past ``Limits/pixelCount``.
    public init(classCount: Int, ignoreValue: Int, pairs: [[UInt64]]) throws {
        self.init(classCount: classCount, ignoreValue: ignoreValue)
        let size = UInt64(classCount + 1) * UInt64(classCount + 1)
        for pair in pairs {
            guard pair.count == 2, pair[0] < size else { throw EvaluationError.badMatrix("bad pair \(pair) for \(classCount) classes") }
            total = try Self.checkedSum(total, pair[1])
            if pair[1] > 0 { entries[Int(pair[0]), default: 0] += pair[1] }
        }
    }

    /// `a + b`, or an error when it passes ``Limits/pixelCount`` (or overflows on the way).
    static func checkedSum(_ a: UInt64, _ b: UInt64) throws -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow, sum <= Limits.pixelCount else {
            throw EvaluationError.badMatrix("the counts sum past \(Limits.pixelCount) pixels, more than any dataset holds")
        }
        return sum
    }

    /// Dense row-major `(classCount + 1)²` counts; meant for small vocabularies.
    public var counts: [UInt64] {
        var dense = [UInt64](repeating: 0, count: (classCount + 1) * (classCount + 1))
        for (index, count) in entries { dense[index] = count }
        return dense
    }

    /// The non-zero `[index, count]` pairs, by index.
    public var pairs: [[UInt64]] {
        entries.sorted { $0.key < $1.key }.map { [UInt64($0.key), $0.value] }
    }

    public subscript(groundTruth: Int, prediction: Int) -> UInt64 {
        entries[groundTruth * (classCount + 1) + prediction] ?? 0
    }

    /// Adds one image. Both maps must have the same size.
    public mutating func add(prediction: LabelMap, groundTruth: LabelMap) throws {
        guard prediction.width == groundTruth.width, prediction.height == groundTruth.height else {
            throw EvaluationError.sizeMismatch(
                prediction: "\(prediction.width)×\(prediction.height)", groundTruth: "\(groundTruth.width)×\(groundTruth.height)")
        }
        let k = classCount
        // Values at or above K (the ignore value included) land in the extra bin K. Each side's
        // values are numbered in order of appearance, so the per-image table is (values in the
        // ground truth) × (values predicted), a few hundred cells even for a huge vocabulary.
        var gtSlot = [Int32](repeating: -1, count: 65_536), predSlot = [Int32](repeating: -1, count: 65_536)
        var gtValues: [Int] = [], predValues: [Int] = []
        prediction.values.withUnsafeBufferPointer { p in
            groundTruth.values.withUnsafeBufferPointer { g in
                for i in 0..<p.count {
                    let gv = Int(g[i]), pv = Int(p[i])
                    if gtSlot[gv] < 0 {
                        gtSlot[gv] = Int32(gtValues.count)
                        gtValues.append(min(gv, k))
                    }
                    if predSlot[pv] < 0 {
                        predSlot[pv] = Int32(predValues.count)
                        predValues.append(min(pv, k))
                    }
                }
            }
        }
        // Count in 32 bits per image (an image has far fewer than 2³² pixels), then widen.
        let columns = predValues.count
        var small = [UInt32](repeating: 0, count: gtValues.count * columns)
        prediction.values.withUnsafeBufferPointer { p in
            groundTruth.values.withUnsafeBufferPointer { g in
                small.withUnsafeMutableBufferPointer { c in
                    for i in 0..<p.count {
                        c[Int(gtSlot[Int(g[i])]) &* columns &+ Int(predSlot[Int(p[i])])] &+= 1
                    }
                }
            }
        }
        for (row, gv) in gtValues.enumerated() {
            for (column, pv) in predValues.enumerated() where small[row * columns + column] > 0 {
                entries[gv * (k + 1) + pv, default: 0] &+= UInt64(small[row * columns + column])
            }
        }
        total &+= UInt64(prediction.values.count)
    }

    /// Adds another matrix's counts; throws when the classes differ or the sum passes ``Limits/pixelCount``,
    /// so counts read from files (journals, shard reports) cannot overflow the sums made from them.
    public mutating func add(_ other: ConfusionMatrix) throws {
        guard classCount == other.classCount else {
            throw EvaluationError.badMatrix("matrices of \(classCount) and \(other.classCount) classes cannot be added")
        }
        total = try Self.checkedSum(total, other.total)
        for (index, count) in other.entries { entries[index, default: 0] += count }
    }

    /// Adds matrices made in this process (see ``add(_:)`` for counts read from files).
    public static func += (lhs: inout ConfusionMatrix, rhs: ConfusionMatrix) {
        precondition(lhs.classCount == rhs.classCount, "matrices of different class counts")
        for (index, count) in rhs.entries { lhs.entries[index, default: 0] &+= count }
        lhs.total &+= rhs.total
    }

    public static func + (lhs: ConfusionMatrix, rhs: ConfusionMatrix) -> ConfusionMatrix {
        var result = lhs
        result += rhs
        return result
    }
}

/// Why an evaluation step failed.
public enum EvaluationError: Error, CustomStringConvertible, Sendable {
    case sizeMismatch(prediction: String, groundTruth: String)
    case badMatrix(String)

    public var description: String {
        switch self {
        case let .sizeMismatch(prediction, groundTruth):
            return "prediction is \(prediction) but ground truth is \(groundTruth)"
        case let .badMatrix(reason):
            return "bad confusion matrix: \(reason)"
        }
    }
}
