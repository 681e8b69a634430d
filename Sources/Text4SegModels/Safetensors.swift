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
    let data: MappedFile
    let entries: [String: Entry]
    let base: Int

    public init(path: String) throws {
        self.path = path
        data = try MappedFile(path: path)
        guard data.bytes.count >= 8 else { throw WeightsError.malformed(path: path, reason: "shorter than its header") }
        var headerSize = 0
        for i in 0..<8 { headerSize |= Int(data.bytes[i]) << (8 * i) }
        guard headerSize > 0, 8 + headerSize <= data.bytes.count else {
            throw WeightsError.malformed(path: path, reason: "bad header length")
        }
        let header = Data(data.bytes[8..<(8 + headerSize)])
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
        var count = 1
        for side in entry.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: side)
            guard side >= 0, !overflow else { throw WeightsError.malformed(path: path, reason: "\(name) has shape \(entry.shape)") }
            count = product
        }
        let width: Int
        switch entry.dtype {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw WeightsError.malformed(path: path, reason: "\(name) has dtype \(entry.dtype); F32, F16 and BF16 are supported")
        }
        let offsets = entry.dataOffsets
        guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= data.bytes.count - base,
            (offsets[1] - offsets[0]) % width == 0, (offsets[1] - offsets[0]) / width == count
        else {
            throw WeightsError.malformed(path: path, reason: "\(name) has the wrong byte length")
        }
        let start = base + offsets[0], end = base + offsets[1]
        var values = [Float](repeating: 0, count: count)
        guard count > 0, let bytes = data.bytes.baseAddress?.advanced(by: start) else { return Tensor(shape: entry.shape, data: values) }
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
        data.release(start..<end)
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

/// A file mapped read-only into memory, unmapped when the last reference goes.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw WeightsError.unreadable(path: path, reason: "not a regular file") }
        let count = Int(status.st_size)
        guard count > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let start = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0), start != MAP_FAILED else {
            throw WeightsError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: start, count: count)
    }

    /// Hands the whole pages inside `range` back to the page cache. A checkpoint is copied into
    /// arrays once; without this its mapped pages would stay resident beside the copies and
    /// double the peak memory of loading it (1.2 GB for ViT-B/16). Read again, they fault back in.
    func release(_ range: Range<Int>) {
        guard let base = bytes.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: base) + range.lowerBound + page - 1) / page * page
        let last = (Int(bitPattern: base) + range.upperBound) / page * page
        guard last > first, let start = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(start, last - first, Int32(MADV_DONTNEED))
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
