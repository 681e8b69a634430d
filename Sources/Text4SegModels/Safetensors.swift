import Foundation
import Text4SegCore

/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// (`name: {dtype, shape, data_offsets}`), then the tensors' bytes. Read through a
/// memory map; F32, F16 and BF16 are returned as `Float`.
public struct SafetensorsFile: Sendable {
    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]
        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    public let path: String
    let data: Data
    let entries: [String: Entry]
    let base: Int

    public init(path: String) throws {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw WeightsError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard data.count >= 8 else { throw WeightsError.malformed(path: path, reason: "shorter than its header") }
        var headerSize = 0
        for i in 0..<8 { headerSize |= Int(data[data.startIndex + i]) << (8 * i) }
        guard headerSize > 0, 8 + headerSize <= data.count else { throw WeightsError.malformed(path: path, reason: "bad header length") }
        let header = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + headerSize))
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw WeightsError.malformed(path: path, reason: "header is not JSON")
        }
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let json = try? JSONSerialization.data(withJSONObject: value),
                let entry = try? JSONDecoder().decode(Entry.self, from: json), entry.dataOffsets.count == 2
            else {
                throw WeightsError.malformed(path: path, reason: "bad entry for \(name)")
            }
            entries[name] = entry
        }
        self.entries = entries
        base = 8 + headerSize
    }

    public var names: [String] { entries.keys.sorted() }

    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw WeightsError.missingTensor(name) }
        let count = entry.shape.reduce(1, *)
        let start = base + entry.dataOffsets[0], end = base + entry.dataOffsets[1]
        let width: Int
        switch entry.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw WeightsError.malformed(path: path, reason: "\(name) has dtype \(entry.dtype); F32, F16 and BF16 are supported")
        }
        guard end - start == count * width, end <= data.count else {
            throw WeightsError.malformed(path: path, reason: "\(name) has the wrong byte length")
        }
        var values = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let bytes = raw.baseAddress!.advanced(by: start)
            switch entry.dtype {
            case "F32":
                values.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: count * 4)) }
            case "F16":
                for i in 0..<count { values[i] = Float(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            default:
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
                }
            }
        }
        return Tensor(shape: entry.shape, data: values)
    }

    /// Writes F32 tensors, names sorted, atomically.
    public static func write(_ tensors: [String: Tensor], to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let size = tensors[name]!.count * 4
            header[name] = ["dtype": "F32", "shape": tensors[name]!.shape, "data_offsets": [offset, offset + size]]
            offset += size
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names { tensors[name]!.data.withUnsafeBytes { out.append(contentsOf: $0) } }
        try AtomicFile.write(out, to: path)
    }
}
