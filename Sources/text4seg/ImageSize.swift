import ArgumentParser
import Text4SegCore

/// A `WxH` size given on the command line, e.g. `500x375`; each side within ``Limits/side``.
struct ImageSize: ExpressibleByArgument, CustomStringConvertible, Sendable {
    var width: Int
    var height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
            Limits.side.contains(width), Limits.side.contains(height)
        else { return nil }
        self.width = width
        self.height = height
    }

    var pixels: Int { width * height }
    var description: String { "\(width)x\(height)" }
    static var defaultCompletionKind: CompletionKind { .default }
}

/// Throws a `ValidationError` naming the option and its range when `value` is outside it.
func checkRange<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ option: String) throws {
    guard range.contains(value) else {
        throw ValidationError("\(option) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
    }
}
