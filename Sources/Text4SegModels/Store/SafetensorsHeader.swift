import Foundation

/// The checked header of a safetensors file: every number in it range-checked with
/// overflow-checked arithmetic before anything is read, so that bytes from the network
/// give a typed error naming the file and the field, never a trap.
///
/// The rules are those of the reference implementation (the `safetensors` crate): an
/// 8-byte little-endian header length of at most 100 MB that fits the file, a JSON object
/// of `name: {dtype, shape, data_offsets}` (and an optional `__metadata__` of strings),
/// each tensor's byte length equal to its element count times its dtype's width, and the
/// tensors' byte ranges laid end to end from the start of the data to the end of the file,
/// none overlapping another.
///
///     let header = try bytes.withUnsafeBytes { try SafetensorsHeader(bytes: $0, path: "model.safetensors") }
///     header.entries["text_projection.weight"]?.shape   // [512, 512]
public struct SafetensorsHeader: Sendable {
    /// The reference implementation's limit on the JSON header.
    public static let maximumHeaderLength = 100_000_000

    /// The bytes per element of each dtype the format defines.
    public static let widths: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// One tensor: its dtype, shape, element count and byte range, relative to ``dataStart``.
    public struct Entry: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        public var count: Int
        public var range: Range<Int>
    }

    public let entries: [String: Entry]
    /// Where the tensors' bytes begin: 8 + the header's length.
    public let dataStart: Int

    /// Checks the header of a whole file's `bytes`; `path` names the file in errors.
    public init(bytes: UnsafeRawBufferPointer, path: String) throws {
        func fail(_ field: String, _ reason: String) -> WeightsError {
            WeightsError.invalidValue(path: path, field: field, reason: reason)
        }
        guard bytes.count >= 8 else { throw fail("header length", "the file has \(bytes.count) bytes, fewer than the 8 of the length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length > 0, length <= UInt64(Self.maximumHeaderLength) else {
            throw fail("header length", "\(length) is not between 1 and \(Self.maximumHeaderLength)")
        }
        let headerLength = Int(length)
        let (start, overflow) = headerLength.addingReportingOverflow(8)
        guard !overflow, start <= bytes.count else {
            throw fail("header length", "\(length) goes past the end of the file (\(bytes.count) bytes)")
        }
        let json = Data(UnsafeRawBufferPointer(rebasing: bytes[8..<start]))
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: json)
        } catch let error as DecodingError {
            let (field, reason) = error.fieldAndReason
            throw fail(field.isEmpty ? "header" : field, reason)
        } catch {
            throw fail("header", "not JSON (\(error))")
        }
        let dataSize = bytes.count - start
        var entries: [String: Entry] = [:]
        for (name, value) in raw.entries {
            entries[name] = try Self.entry(name, value, dataSize: dataSize, fail: fail)
        }
        // End to end from 0 to the end of the file: no overlap, no gap, nothing after.
        var next = 0
        for (name, entry) in entries.sorted(by: {
            ($0.value.range.lowerBound, $0.value.range.upperBound) < ($1.value.range.lowerBound, $1.value.range.upperBound)
        }) {
            guard entry.range.lowerBound == next else {
                throw fail(
                    "\(name).data_offsets",
                    entry.range.lowerBound < next
                        ? "[\(entry.range.lowerBound), \(entry.range.upperBound)] overlaps another tensor's bytes (which end at \(next))"
                        : "[\(entry.range.lowerBound), \(entry.range.upperBound)] leaves a gap after byte \(next)")
            }
            next = entry.range.upperBound
        }
        guard next == dataSize else {
            throw fail("data_offsets", "the tensors end at byte \(next) of the data, but the file holds \(dataSize) bytes of data")
        }
        self.entries = entries
        dataStart = start
    }

    static func entry(_ name: String, _ raw: RawEntry, dataSize: Int, fail: (String, String) -> WeightsError) throws -> Entry {
        guard let width = widths[raw.dtype] else { throw fail("\(name).dtype", "\(raw.dtype) is not a safetensors dtype") }
        let shape = raw.shape
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("\(name).shape", "\(shape) has a negative side") }
        var count = 1
        for side in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: side)
            guard !overflow else { throw fail("\(name).shape", "\(shape) has more elements than an Int holds") }
            count = product
        }
        let (byteLength, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw fail("\(name).shape", "\(shape) of \(raw.dtype) has more bytes than an Int holds") }
        let offsets = raw.dataOffsets
        guard offsets.count == 2 else { throw fail("\(name).data_offsets", "\(offsets) is not two byte offsets") }
        guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataSize else {
            throw fail("\(name).data_offsets", "\(offsets) is not a range inside the \(dataSize) bytes of data")
        }
        guard offsets[1] - offsets[0] == byteLength else {
            throw fail(
                "\(name).data_offsets",
                "\(offsets) holds \(offsets[1] - offsets[0]) bytes; shape \(shape) of \(raw.dtype) needs \(byteLength)")
        }
        return Entry(dtype: raw.dtype, shape: shape, count: count, range: offsets[0]..<offsets[1])
    }

    /// One tensor's fields as the JSON has them: integers that do not fit an `Int`, fractions and
    /// booleans are decoding errors.
    struct RawEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]
        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dtype = try container.decode(String.self, forKey: .dtype)
            shape = try container.decode([JSONInteger].self, forKey: .shape).map(\.value)
            dataOffsets = try container.decode([JSONInteger].self, forKey: .dataOffsets).map(\.value)
        }
    }

    /// The header object: tensors by name, and `__metadata__`, which must map strings to strings.
    struct RawHeader: Decodable {
        var entries: [String: RawEntry] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == "__metadata__" {
                    _ = try container.decode([String: String].self, forKey: key)
                } else {
                    entries[key.stringValue] = try container.decode(RawEntry.self, forKey: key)
                }
            }
        }
    }
}

/// A JSON integer that fits an `Int`; a fraction, a number too large and a boolean are errors
/// that carry the field's path (Foundation's own error for `2.5` as an `Int` does not).
struct JSONInteger: Decodable {
    var value: Int

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self.value = value
        } else if let number = try? container.decode(Double.self) {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(number) is not an integer that fits 64 bits")
        } else {
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an integer"))
        }
    }
}

extension DecodingError {
    /// The dotted path of the field a decoding error is about (`text_config.layer_norm_eps`), and why.
    var fieldAndReason: (field: String, reason: String) {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case let .typeMismatch(type, context): return (path(context.codingPath), "expected \(Self.kind(type))")
        case let .valueNotFound(type, context): return (path(context.codingPath), "expected \(Self.kind(type)), found null")
        case let .keyNotFound(key, context): return (path(context.codingPath + [key]), "missing")
        case let .dataCorrupted(context):
            let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return (path(context.codingPath), context.codingPath.isEmpty ? "not JSON (\(reason))" : context.debugDescription)
        @unknown default: return ("", "\(self)")
        }
    }

    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is [Int].Type: return type == Int.self ? "an integer" : "a list of integers"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        default: return "an object"
        }
    }
}
