import Foundation
import Text4SegCore

/// The safetensors format: an 8-byte little-endian header length, a JSON header
/// (`name: {dtype, shape, data_offsets}`), then the tensors' bytes. Read through a
/// memory map; F32, F16 and BF16 are returned as `Float`.
public struct SafetensorsFile: Sendable {
    public let path: String
    let data: MappedFile
    /// The checked header: every tensor's bytes lie inside the file, none overlapping another.
    public let header: SafetensorsHeader

    public init(path: String) throws {
        self.path = path
        data = try MappedFile(path: path)
        header = try SafetensorsHeader(bytes: data.bytes, path: path)
    }

    public var names: [String] { header.entries.keys.sorted() }

    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = header.entries[name] else { throw WeightsError.missingTensor(name) }
        let start = header.dataStart + entry.range.lowerBound
        let tensor = try Self.decode(entry, name: name, at: start, in: data.bytes, path: path)
        data.release(start..<(header.dataStart + entry.range.upperBound))
        return tensor
    }

    /// An F32, F16 or BF16 tensor's values as `Float`, from a checked entry of `bytes` (a whole
    /// file, checked by ``SafetensorsHeader``) whose values start at byte `start`.
    public static func decode(
        _ entry: SafetensorsHeader.Entry, name: String, at start: Int, in bytes: UnsafeRawBufferPointer, path: String
    ) throws -> Tensor {
        guard ["F32", "F16", "BF16"].contains(entry.dtype) else {
            throw WeightsError.malformed(path: path, reason: "\(name) has dtype \(entry.dtype); F32, F16 and BF16 are supported")
        }
        let count = entry.count
        var values = [Float](repeating: 0, count: count)
        guard count > 0, let base = bytes.baseAddress?.advanced(by: start) else { return Tensor(shape: entry.shape, data: values) }
        switch entry.dtype {
        case "F32":
            values.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count * 4)) }
        case "F16":
            for i in 0..<count { values[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        default:
            for i in 0..<count {
                values[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
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
