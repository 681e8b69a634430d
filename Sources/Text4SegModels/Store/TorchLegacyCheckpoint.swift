import Foundation

/// Reads a legacy (pre-zip) `torch.save` state dict without Python.
///
/// The file is five pickles and raw storages: a magic number, the protocol
/// version, system info, the state dict (tensors refer to storages by
/// persistent id), and the list of storage keys; then each storage as an
/// 8-byte element count and its little-endian bytes. The unpickler is
/// restricted: it accepts only the opcodes a state dict uses and the globals
/// `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` and the
/// `torch.*Storage` types, and rejects anything else, so a hostile file cannot
/// run code.
public enum TorchLegacyCheckpoint {
    static let magic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    /// The state dict's float tensors (integer buffers such as `num_batches_tracked` are skipped).
    public static func load(path: String) throws -> [String: Tensor] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw WeightsError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try load(data, path: path)
    }

    public static func load(_ data: Data, path: String) throws -> [String: Tensor] {
        let bytes = [UInt8](data)
        var reader = PickleReader(bytes: bytes, path: path)
        guard case let .bigInt(raw) = try reader.next(), raw == magic else {
            throw WeightsError.malformed(path: path, reason: "not a legacy PyTorch checkpoint (no magic number)")
        }
        guard case .int(1001) = try reader.next() else { throw WeightsError.malformed(path: path, reason: "unknown protocol version") }
        _ = try reader.next()  // system info
        let root = try reader.next()
        guard case let .list(keyValues) = try reader.next() else { throw WeightsError.malformed(path: path, reason: "no storage key list") }
        let keys = try keyValues.map { value -> String in
            guard case let .string(key) = value else { throw WeightsError.malformed(path: path, reason: "storage key is not a string") }
            return key
        }
        // Storages follow in key order: Int64 element count, then the elements.
        var offset = reader.offset
        var storages: [String: (start: Int, count: Int)] = [:]
        for key in keys {
            guard offset + 8 <= bytes.count else { throw WeightsError.malformed(path: path, reason: "truncated storage \(key)") }
            var count = 0
            for i in 0..<8 { count |= Int(bytes[offset + i]) << (8 * i) }
            offset += 8
            storages[key] = (offset, count)
            guard let size = reader.storageElementSize[key], offset + count * size <= bytes.count else {
                throw WeightsError.malformed(path: path, reason: "truncated storage \(key)")
            }
            offset += count * size
        }
        guard case let .dict(entries) = root else { throw WeightsError.malformed(path: path, reason: "the checkpoint is not a state dict") }
        var tensors: [String: Tensor] = [:]
        for (name, value) in entries {
            guard case let .tensor(key, storageOffset, shape, stride) = value else { continue }
            guard reader.storageType[key] == "FloatStorage" else { continue }
            guard let storage = storages[key] else {
                throw WeightsError.malformed(path: path, reason: "tensor \(name) names a missing storage")
            }
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            // Walk the strides so views and non-contiguous tensors come out row-major.
            var index = [Int](repeating: 0, count: shape.count)
            for i in 0..<count {
                var element = storageOffset
                for d in 0..<shape.count { element += index[d] * stride[d] }
                guard element < storage.count else {
                    throw WeightsError.malformed(path: path, reason: "tensor \(name) runs past its storage")
                }
                let at = storage.start + element * 4
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                values[i] = Float(bitPattern: bits)
                var d = shape.count - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < shape[d] { break }
                    index[d] = 0
                    d -= 1
                }
            }
            tensors[name] = Tensor(shape: shape, data: values)
        }
        return tensors
    }
}

/// The values a state-dict pickle can hold.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`, as little-endian bytes.
    case bigInt([UInt8])
    case string(String)
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([(String, PickleValue)])
    case global(String)
    case storage(key: String)
    case tensor(storage: String, offset: Int, shape: [Int], stride: [Int])
    case mark
}

/// A restricted unpickler for protocol-2 state dicts.
struct PickleReader {
    let bytes: [UInt8]
    let path: String
    var offset = 0
    var memo: [Int: PickleValue] = [:]
    var storageType: [String: String] = [:]
    var storageElementSize: [String: Int] = [:]

    static let allowedGlobals: Set<String> = [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage", "torch.LongStorage", "torch.IntStorage", "torch.HalfStorage", "torch.DoubleStorage",
    ]

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    func fail(_ reason: String) -> WeightsError { .malformed(path: path, reason: reason) }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end of pickle") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func integer(_ size: Int, signed: Bool = false) throws -> Int {
        guard offset + size <= bytes.count else { throw fail("unexpected end of pickle") }
        var value = 0
        for i in 0..<size { value |= Int(bytes[offset + i]) << (8 * i) }
        offset += size
        if signed && size < 8 && value & (1 << (8 * size - 1)) != 0 { value -= 1 << (8 * size) }
        return value
    }

    mutating func text(_ size: Int) throws -> String {
        guard size >= 0, offset + size <= bytes.count else { throw fail("unexpected end of pickle") }
        defer { offset += size }
        return String(decoding: bytes[offset..<(offset + size)], as: UTF8.self)
    }

    mutating func line() throws -> String {
        var end = offset
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        guard end < bytes.count else { throw fail("unterminated line") }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    /// Reads one whole pickle (up to STOP) and returns its value.
    mutating func next() throws -> PickleValue {
        var stack: [PickleValue] = []
        func popMark() throws -> [PickleValue] {
            guard let mark = stack.lastIndex(where: { if case .mark = $0 { return true } else { return false } }) else {
                throw fail("MARK missing")
            }
            let items = Array(stack[(mark + 1)...])
            stack.removeSubrange(mark...)
            return items
        }
        func pop() throws -> PickleValue {
            guard let value = stack.popLast() else { throw fail("stack underflow") }
            return value
        }
        while true {
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case 0x2E: return try pop()  // STOP
            case 0x28: stack.append(.mark)  // MARK
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(try integer(1)))  // BININT1
            case 0x4D: stack.append(.int(try integer(2)))  // BININT2
            case 0x4A: stack.append(.int(try integer(4, signed: true)))  // BININT
            case 0x8A:  // LONG1
                let size = Int(try byte())
                guard size <= 16, offset + size <= bytes.count else { throw fail("integer too long") }
                if size <= 8 {
                    stack.append(.int(try integer(size, signed: true)))
                } else {
                    stack.append(.bigInt(Array(bytes[offset..<(offset + size)])))
                    offset += size
                }
            case 0x58: stack.append(.string(try text(try integer(4))))  // BINUNICODE
            case 0x55: stack.append(.string(try text(Int(try byte()))))  // SHORT_BINSTRING
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x5D: stack.append(.list([]))  // EMPTY_LIST
            case 0x7D: stack.append(.dict([]))  // EMPTY_DICT
            case 0x61:  // APPEND
                let item = try pop()
                guard case var .list(items) = try pop() else { throw fail("APPEND to a non-list") }
                items.append(item)
                stack.append(.list(items))
            case 0x65:  // APPENDS
                let items = try popMark()
                guard case var .list(list) = try pop() else { throw fail("APPENDS to a non-list") }
                list.append(contentsOf: items)
                stack.append(.list(list))
            case 0x73:  // SETITEM
                let value = try pop(), key = try pop()
                guard case var .dict(entries) = try pop(), case let .string(name) = key else { throw fail("SETITEM on a non-dict") }
                entries.append((name, value))
                stack.append(.dict(entries))
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard case var .dict(entries) = try pop() else { throw fail("SETITEMS on a non-dict") }
                for i in stride(from: 0, to: items.count - 1, by: 2) {
                    guard case let .string(name) = items[i] else { throw fail("non-string key") }
                    entries.append((name, items[i + 1]))
                }
                stack.append(.dict(entries))
            case 0x71: memo[Int(try byte())] = stack.last  // BINPUT
            case 0x72: memo[try integer(4)] = stack.last  // LONG_BINPUT
            case 0x68:  // BINGET
                guard let value = memo[Int(try byte())] else { throw fail("BINGET of an unknown memo") }
                stack.append(value)
            case 0x6A:  // LONG_BINGET
                guard let value = memo[try integer(4)] else { throw fail("LONG_BINGET of an unknown memo") }
                stack.append(value)
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                let qualified = "\(module).\(name)"
                guard PickleReader.allowedGlobals.contains(qualified) else {
                    throw WeightsError.forbidden(path: path, what: "global \(qualified)")
                }
                stack.append(.global(qualified))
            case 0x51:  // BINPERSID
                guard case let .tuple(parts) = try pop(), parts.count >= 5, case .string("storage") = parts[0],
                    case let .global(type) = parts[1], case let .string(key) = parts[2]
                else { throw fail("unknown persistent id") }
                let typeName = String(type.split(separator: ".").last ?? "")
                storageType[key] = typeName
                storageElementSize[key] =
                    ["FloatStorage": 4, "LongStorage": 8, "IntStorage": 4, "HalfStorage": 2, "DoubleStorage": 8][typeName] ?? 4
                stack.append(.storage(key: key))
            case 0x52:  // REDUCE
                let arguments = try pop(), callable = try pop()
                guard case let .global(name) = callable, case let .tuple(args) = arguments else { throw fail("REDUCE of a non-global") }
                switch name {
                case "collections.OrderedDict":
                    stack.append(.dict([]))
                case "torch._utils._rebuild_tensor_v2":
                    guard args.count >= 4, case let .storage(key) = args[0], case let .int(storageOffset) = args[1],
                        case let .tuple(sizes) = args[2], case let .tuple(strides) = args[3]
                    else { throw fail("bad tensor arguments") }
                    let shape = try sizes.map { v -> Int in
                        guard case let .int(n) = v else { throw fail("bad size") }; return n
                    }
                    let stride = try strides.map { v -> Int in
                        guard case let .int(n) = v else { throw fail("bad stride") }; return n
                    }
                    stack.append(.tensor(storage: key, offset: storageOffset, shape: shape, stride: stride))
                default:
                    throw WeightsError.forbidden(path: path, what: "a call to \(name)")
                }
            case 0x62:  // BUILD: state for an object; state dicts only set metadata here
                _ = try pop()
            default:
                throw WeightsError.forbidden(path: path, what: String(format: "pickle opcode 0x%02x", op))
            }
        }
    }
}
