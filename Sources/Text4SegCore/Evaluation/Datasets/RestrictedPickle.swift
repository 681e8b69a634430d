import Foundation

/// A Python pickle read as plain data, never run: the referring datasets ship their refs as
/// `refs(unc).p`, a pickled list of dicts of strings, numbers and lists. Only the opcodes that
/// build such values are read (protocols 0–5); any `GLOBAL`, `REDUCE`, `BUILD`, `INST`,
/// `OBJ`, `NEWOBJ`, persistent id or extension is refused with a message, so no code a file
/// names is ever called. Lengths are checked against the bytes left, nesting is bounded, and a
/// memo reference copies the value it names (containers are values), so no cycle can form.
///
///     let refs = try RestrictedPickle.load(Data(contentsOf: url), file: "refs(unc).p")
///     if case let .list(items) = refs { print(items.count) }
public enum RestrictedPickle {
    /// A value a pickle of plain data holds.
    public indirect enum Value: Equatable, Sendable {
        case none
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        /// Python 2 `str` and Python 3 `bytes`, read as Latin-1 text by ``text``.
        case bytes([UInt8])
        case list([Value])
        case tuple([Value])
        case dict([(Value, Value)])

        public static func == (a: Value, b: Value) -> Bool {
            switch (a, b) {
            case (.none, .none): true
            case let (.bool(x), .bool(y)): x == y
            case let (.int(x), .int(y)): x == y
            case let (.float(x), .float(y)): x == y
            case let (.string(x), .string(y)): x == y
            case let (.bytes(x), .bytes(y)): x == y
            case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)): x == y
            case let (.dict(x), .dict(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: false
            }
        }

        /// Text from a `str`, or from Python 2 bytes as Latin-1 (as `pickle.load(…, encoding="latin1")` reads them).
        public var text: String? {
            switch self {
            case let .string(text): text
            case let .bytes(bytes): String(bytes.map { Character(Unicode.Scalar($0)) })
            default: nil
            }
        }

        public var integer: Int? {
            switch self {
            case let .int(value): value
            case let .bool(value): value ? 1 : 0
            default: nil
            }
        }

        /// The items of a list or tuple.
        public var items: [Value]? {
            switch self {
            case let .list(items), let .tuple(items): items
            default: nil
            }
        }

        /// The value under a text key of a dict.
        public subscript(key: String) -> Value? {
            guard case let .dict(entries) = self else { return nil }
            return entries.first { $0.0.text == key }?.1
        }
    }

    /// Why a pickle was refused.
    public struct RefusedError: Error, CustomStringConvertible, Equatable {
        public var file: String
        public var offset: Int
        public var reason: String
        public var description: String { "\(file): refused pickle at byte \(offset): \(reason)" }
    }

    /// Containers nested deeper than this are refused.
    public static let maxDepth = 64
    /// Values (every item counted, a shared container each time it is met) a pickle may build:
    /// the largest real refs file, RefCOCOg's, holds about 4 million.
    public static let maxValues = 20_000_000

    /// The value `data` pickles.
    public static func load(_ data: Data, file: String) throws -> Value {
        var reader = Reader(bytes: [UInt8](data), file: file)
        return try reader.run()
    }

    /// A container being built: a reference, as in Python, so that appends are in place and a
    /// memo reference sees later changes.
    final class Box {
        enum Kind { case list, tuple, dict }
        let kind: Kind
        var items: [Node] = []
        init(_ kind: Kind, _ items: [Node] = []) {
            self.kind = kind
            self.items = items
        }
    }

    enum Node {
        case scalar(Value)
        case box(Box)
        case mark
    }

    struct Reader {
        let bytes: [UInt8]
        let file: String
        var position = 0
        var stack: [Node] = []
        var memo: [Int: Node] = [:]
        var built = 0
        /// Every container built, in order (see ``dismantle()``).
        var boxes: [Box] = []

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
        }

        func refuse(_ reason: String, at offset: Int? = nil) -> RefusedError {
            RefusedError(file: file, offset: offset ?? position, reason: reason)
        }

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw refuse("the pickle ends early") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - position else {
                throw refuse("a length of \(count) bytes is more than the \(bytes.count - position) left")
            }
            defer { position += count }
            return bytes[position..<position + count]
        }

        mutating func unsigned(_ size: Int) throws -> Int {
            let slice = try take(size)
            var value: UInt64 = 0
            for (i, b) in slice.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            guard value <= UInt64(Int.max) else { throw refuse("a length of \(value) is out of range") }
            return Int(value)
        }

        mutating func signed32() throws -> Int { Int(Int32(truncatingIfNeeded: try unsigned(4))) }

        mutating func line() throws -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw refuse("a text argument has no end of line") }
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        /// Protocol 0's text: Latin-1 bytes with `\\uXXXX` and `\\UXXXXXXXX` escapes, up to the end of line.
        mutating func rawUnicodeEscaped() throws -> String {
            guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw refuse("a text argument has no end of line") }
            let raw = Array(bytes[position..<end])
            position = end + 1
            var scalars = String.UnicodeScalarView()
            var i = 0
            while i < raw.count {
                if raw[i] == 0x5C, i + 1 < raw.count, raw[i + 1] == 0x75 || raw[i + 1] == 0x55 {
                    let digits = raw[i + 1] == 0x75 ? 4 : 8
                    guard i + 2 + digits <= raw.count,
                        let code = UInt32(String(decoding: raw[(i + 2)..<(i + 2 + digits)], as: UTF8.self), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else { throw refuse("a malformed \\u escape") }
                    scalars.append(scalar)
                    i += 2 + digits
                } else {
                    scalars.append(Unicode.Scalar(raw[i]))
                    i += 1
                }
            }
            return String(scalars)
        }

        mutating func utf8(_ count: Int) throws -> Value {
            let slice = try take(count)
            guard let text = String(bytes: slice, encoding: .utf8) else { throw refuse("text that is not UTF-8") }
            return .string(text)
        }

        mutating func count() throws {
            built += 1
            guard built <= RestrictedPickle.maxValues else { throw refuse("more than \(RestrictedPickle.maxValues) values") }
        }

        /// Empties every container built, then lets them go: releasing a deeply nested (or
        /// self-holding) graph then neither recurses past the thread's stack nor leaks. Until
        /// then ``boxes`` keeps each alive, so nothing dropped while reading frees a deep chain.
        mutating func dismantle() {
            stack = []
            memo = [:]
            for box in boxes { box.items = [] }
            boxes = []
        }

        mutating func push(_ value: Value) throws {
            try count()
            stack.append(.scalar(value))
        }

        mutating func push(_ box: Box) throws {
            try count()
            boxes.append(box)
            stack.append(.box(box))
        }

        mutating func pop() throws -> Node {
            guard let last = stack.popLast() else { throw refuse("the stack is empty") }
            if case .mark = last { throw refuse("a mark where a value belongs") }
            return last
        }

        mutating func popToMark() throws -> [Node] {
            guard let mark = stack.lastIndex(where: { if case .mark = $0 { true } else { false } }) else {
                throw refuse("no mark on the stack")
            }
            let items = Array(stack[(mark + 1)...])
            stack.removeSubrange(mark...)
            return items
        }

        /// The container on top of the stack, which must be of `kind`.
        func top(_ kind: Box.Kind, _ what: String, at: Int) throws -> Box {
            guard case let .box(box)? = stack.last, box.kind == kind else { throw refuse("\(what) on something of another kind", at: at) }
            return box
        }

        mutating func memoize(_ index: Int) throws {
            guard memo.count < 10_000_000 else { throw refuse("too many memo entries") }
            guard let last = stack.last else { throw refuse("a memo entry with an empty stack") }
            if case .mark = last { throw refuse("a memo entry for a mark") }
            memo[index] = last
        }

        mutating func run() throws -> Value {
            defer { dismantle() }
            while true {
                let at = position
                let opcode = try byte()
                switch opcode {
                case 0x80: _ = try byte()  // PROTO
                case 0x95: _ = try take(8)  // FRAME
                case 0x2E:  // STOP
                    var budget = RestrictedPickle.maxValues
                    var open = Set<ObjectIdentifier>()
                    return try value(of: try pop(), depth: 0, budget: &budget, open: &open)
                case 0x28: stack.append(.mark)  // MARK
                case 0x30: _ = try pop()  // POP
                case 0x31: _ = try popToMark()  // POP_MARK
                case 0x32:  // DUP
                    let node = try pop()
                    stack += [node, node]
                case 0x4E: try push(.none)  // NONE
                case 0x88: try push(.bool(true))  // NEWTRUE
                case 0x89: try push(.bool(false))  // NEWFALSE
                case 0x4B: try push(.int(try unsigned(1)))  // BININT1
                case 0x4D: try push(.int(try unsigned(2)))  // BININT2
                case 0x4A: try push(.int(try signed32()))  // BININT
                case 0x49:  // INT (text)
                    let text = try line()
                    switch text {
                    case "00": try push(.bool(false))
                    case "01": try push(.bool(true))
                    default:
                        guard let value = Int(text) else { throw refuse("INT '\(text.prefix(20))' is not a number", at: at) }
                        try push(.int(value))
                    }
                case 0x4C:  // LONG (text)
                    let text = try line()
                    guard let value = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
                        throw refuse("LONG '\(text.prefix(20))' is out of range", at: at)
                    }
                    try push(.int(value))
                case 0x8A, 0x8B:  // LONG1, LONG4
                    let count = opcode == 0x8A ? Int(try byte()) : try unsigned(4)
                    guard count <= 8 else { throw refuse("an integer of \(count) bytes is out of range", at: at) }
                    let slice = try take(count)
                    var value: UInt64 = 0
                    for (i, b) in slice.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
                    if count > 0 && count < 8 && slice.last! & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }
                    try push(.int(Int(Int64(bitPattern: value))))
                case 0x47:  // BINFLOAT (big-endian)
                    let slice = try take(8)
                    var raw: UInt64 = 0
                    for b in slice { raw = raw << 8 | UInt64(b) }
                    try push(.float(Double(bitPattern: raw)))
                case 0x46:  // FLOAT (text)
                    let text = try line()
                    guard let value = Double(text) else { throw refuse("FLOAT '\(text.prefix(20))' is not a number", at: at) }
                    try push(.float(value))
                case 0x58: try push(try utf8(try unsigned(4)))  // BINUNICODE
                case 0x8C: try push(try utf8(Int(try byte())))  // SHORT_BINUNICODE
                case 0x8D: try push(try utf8(try unsigned(8)))  // BINUNICODE8
                case 0x54, 0x42: try push(.bytes(Array(try take(try unsigned(4)))))  // BINSTRING, BINBYTES
                case 0x55, 0x43: try push(.bytes(Array(try take(Int(try byte())))))  // SHORT_BINSTRING, SHORT_BINBYTES
                case 0x8E: try push(.bytes(Array(try take(try unsigned(8)))))  // BINBYTES8
                case 0x56: try push(.string(try rawUnicodeEscaped()))  // UNICODE (protocol 0)
                case 0x29: try push(Box(.tuple))  // EMPTY_TUPLE
                case 0x85: try push(Box(.tuple, [try pop()]))  // TUPLE1
                case 0x86:  // TUPLE2
                    let b = try pop()
                    try push(Box(.tuple, [try pop(), b]))
                case 0x87:  // TUPLE3
                    let c = try pop()
                    let b = try pop()
                    try push(Box(.tuple, [try pop(), b, c]))
                case 0x74: try push(Box(.tuple, try popToMark()))  // TUPLE
                case 0x5D: try push(Box(.list))  // EMPTY_LIST
                case 0x6C: try push(Box(.list, try popToMark()))  // LIST
                case 0x7D: try push(Box(.dict))  // EMPTY_DICT
                case 0x64:  // DICT
                    let items = try popToMark()
                    guard items.count % 2 == 0 else { throw refuse("DICT with an odd number of items", at: at) }
                    try push(Box(.dict, items))
                case 0x61:  // APPEND
                    let item = try pop()
                    try top(.list, "APPEND", at: at).items.append(item)
                case 0x65:  // APPENDS
                    let items = try popToMark()
                    try top(.list, "APPENDS", at: at).items += items
                case 0x73:  // SETITEM
                    let value = try pop()
                    let key = try pop()
                    try top(.dict, "SETITEM", at: at).items += [key, value]
                case 0x75:  // SETITEMS
                    let items = try popToMark()
                    guard items.count % 2 == 0 else { throw refuse("SETITEMS with an odd number of items", at: at) }
                    try top(.dict, "SETITEMS", at: at).items += items
                case 0x71: try memoize(Int(try byte()))  // BINPUT
                case 0x72: try memoize(try unsigned(4))  // LONG_BINPUT
                case 0x94: try memoize(memo.count)  // MEMOIZE
                case 0x70:  // PUT
                    guard let index = Int(try line()) else { throw refuse("PUT without a number", at: at) }
                    try memoize(index)
                case 0x68, 0x6A, 0x67:  // BINGET, LONG_BINGET, GET
                    let index = opcode == 0x68 ? Int(try byte()) : opcode == 0x6A ? try unsigned(4) : Int(try line()) ?? -1
                    guard let node = memo[index] else { throw refuse("a memo reference to \(index), which was never stored", at: at) }
                    try count()
                    stack.append(node)
                case 0x63, 0x93:  // GLOBAL, STACK_GLOBAL
                    let name = opcode == 0x63 ? (try line()) + "." + (try line()) : "a name from the stack"
                    throw refuse("it imports \(name.prefix(80)) (GLOBAL); a refs file holds only plain data", at: at)
                case 0x52, 0x62, 0x69, 0x6F, 0x81, 0x92, 0x50, 0x51, 0x82, 0x83, 0x84:
                    throw refuse(
                        "opcode 0x\(String(opcode, radix: 16)) builds objects or calls code; a refs file holds only plain data", at: at)
                default:
                    throw refuse("unknown or unsupported opcode 0x\(String(opcode, radix: 16))", at: at)
                }
            }
        }

        /// The plain value of a node: containers copied out, nesting bounded, a container inside
        /// itself refused, and shared containers counted each time against `budget`.
        func value(of node: Node, depth: Int, budget: inout Int, open: inout Set<ObjectIdentifier>) throws -> Value {
            budget -= 1
            guard budget >= 0 else { throw refuse("the structure expands to more than \(RestrictedPickle.maxValues) values") }
            switch node {
            case .mark: throw refuse("a mark where a value belongs")
            case let .scalar(value): return value
            case let .box(box):
                guard depth < RestrictedPickle.maxDepth else {
                    throw refuse("containers nested more than \(RestrictedPickle.maxDepth) deep")
                }
                let id = ObjectIdentifier(box)
                guard open.insert(id).inserted else { throw refuse("a container that holds itself (a recursive structure)") }
                defer { open.remove(id) }
                let items = try box.items.map { try value(of: $0, depth: depth + 1, budget: &budget, open: &open) }
                switch box.kind {
                case .list: return .list(items)
                case .tuple: return .tuple(items)
                case .dict:
                    var entries: [(Value, Value)] = []
                    var index: [String: Int] = [:]
                    for i in stride(from: 0, to: items.count, by: 2) {
                        // A key set twice keeps its last value, as in Python.
                        let key = items[i].text.map { "s" + $0 } ?? items[i].integer.map { "i\($0)" }
                        if let key, let at = index[key] {
                            entries[at].1 = items[i + 1]
                        } else {
                            if let key { index[key] = entries.count }
                            entries.append((items[i], items[i + 1]))
                        }
                    }
                    return .dict(entries)
                }
            }
        }
    }
}

extension RestrictedPickle.Value {
    var isContainer: Bool {
        switch self {
        case .list, .tuple, .dict: true
        default: false
        }
    }
}
