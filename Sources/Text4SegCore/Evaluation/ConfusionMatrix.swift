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
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public let classCount: Int
    public let ignoreValue: Int
    /// Row-major `(classCount + 1)²` counts, `[gt * (K + 1) + pred]`.
    public private(set) var counts: [UInt64]

    public init(classCount: Int, ignoreValue: Int = 255) {
        self.classCount = classCount
        self.ignoreValue = ignoreValue
        self.counts = Array(repeating: 0, count: (classCount + 1) * (classCount + 1))
    }

    public init(classCount: Int, ignoreValue: Int, counts: [UInt64]) throws {
        guard counts.count == (classCount + 1) * (classCount + 1) else {
            throw EvaluationError.badMatrix("expected \((classCount + 1) * (classCount + 1)) counts, found \(counts.count)")
        }
        self.classCount = classCount
        self.ignoreValue = ignoreValue
        self.counts = counts
    }

    public subscript(groundTruth: Int, prediction: Int) -> UInt64 {
        counts[groundTruth * (classCount + 1) + prediction]
    }

    /// Adds one image. Both maps must have the same size.
    public mutating func add(prediction: LabelMap, groundTruth: LabelMap) throws {
        guard prediction.width == groundTruth.width, prediction.height == groundTruth.height else {
            throw EvaluationError.sizeMismatch(prediction: "\(prediction.width)×\(prediction.height)", groundTruth: "\(groundTruth.width)×\(groundTruth.height)")
        }
        let k = classCount
        let stride = k + 1
        // Count in 32 bits per image (an image has far fewer than 2³² pixels), then widen.
        var small = [UInt32](repeating: 0, count: counts.count)
        prediction.values.withUnsafeBufferPointer { p in
            groundTruth.values.withUnsafeBufferPointer { g in
                small.withUnsafeMutableBufferPointer { c in
                    for i in 0..<p.count {
                        // Values at or above K (the ignore value included) land in the extra bin.
                        let row = min(Int(g[i]), k), col = min(Int(p[i]), k)
                        c[row &* stride &+ col] &+= 1
                    }
                }
            }
        }
        for i in 0..<small.count { counts[i] &+= UInt64(small[i]) }
    }

    public static func += (lhs: inout ConfusionMatrix, rhs: ConfusionMatrix) {
        precondition(lhs.classCount == rhs.classCount, "matrices of different class counts")
        for i in 0..<lhs.counts.count { lhs.counts[i] &+= rhs.counts[i] }
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
