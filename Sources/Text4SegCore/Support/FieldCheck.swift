/// Range checks for the numbers of a file text4seg reads back (a report, a journal): each
/// failure is a ``FieldRangeError`` that names the file and the field, so a tampered or
/// corrupt file is refused with a message instead of trapping in the arithmetic after it.
///
///     let check = FieldCheck(file: "r.json")
///     try check.finite(report.mIoU, 0...100, "mIoU")
///     total = try check.sum(total, count, limit: Limits.pixelCount, "confusion.entries")
public struct FieldCheck: Sendable {
    public var file: String

    public init(file: String) { self.file = file }

    /// `value` must lie in `range`.
    public func within<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ field: @autoclosure () -> String) throws {
        guard range.contains(value) else { throw FieldRangeError(file: file, field: field(), value: "\(value)", range: "\(range)") }
    }

    /// `value` must be a finite number in `range` (`nil` passes).
    public func finite(_ value: Double?, _ range: ClosedRange<Double>, _ field: @autoclosure () -> String) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value) else {
            throw FieldRangeError(file: file, field: field(), value: "\(value)", range: "\(range.lowerBound)…\(range.upperBound)")
        }
    }

    /// `a + b`, refused when it overflows or passes `limit`.
    public func sum(_ a: UInt64, _ b: UInt64, limit: UInt64, _ field: @autoclosure () -> String) throws -> UInt64 {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow, total <= limit else {
            throw FieldRangeError(file: file, field: field(), value: overflow ? "more than 2⁶⁴" : "\(total)", range: "a sum of 0…\(limit)")
        }
        return total
    }

    /// `a + b`, refused when it overflows or leaves `range`.
    public func sum(_ a: Int, _ b: Int, _ range: ClosedRange<Int>, _ field: @autoclosure () -> String) throws -> Int {
        let (total, overflow) = a.addingReportingOverflow(b)
        guard !overflow, range.contains(total) else {
            throw FieldRangeError(
                file: file, field: field(), value: overflow ? "past the range of a 64-bit integer" : "\(total)", range: "a sum of \(range)")
        }
        return total
    }
}

/// A number read from a file outside the range text4seg works with.
public struct FieldRangeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, as the user named it.
    public var file: String
    /// Where in the file: `classes[3].iou`, `line 4: counts[0][1]`.
    public var field: String
    public var value: String
    public var range: String

    public init(file: String, field: String, value: String, range: String) {
        self.file = file
        self.field = field
        self.value = value
        self.range = range
    }

    public var description: String { "\(file): \(field) is \(value), outside \(range)" }
}
