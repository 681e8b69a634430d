/// A dense float tensor, row-major.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data must fill its shape")
        self.shape = shape
        self.data = data
    }

    public var count: Int { data.count }
}

/// Why model weights could not be read.
public enum WeightsError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case forbidden(path: String, what: String)
    case missingTensor(String)
    /// A value of a checkpoint's file out of range or of the wrong type: the file, the field, why.
    case invalidValue(path: String, field: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .malformed(path, reason): return "\(path): not a valid weights file: \(reason)"
        case let .forbidden(path, what): return "\(path): refused to load \(what); only plain state dicts are accepted"
        case let .missingTensor(name): return "missing tensor '\(name)'"
        case let .invalidValue(path, field, reason): return "\(path): \(field): \(reason)"
        }
    }
}
