import Foundation
import NIOCore

/// The fields of a `multipart/form-data` body (RFC 7578) by name; a field given twice keeps its
/// first value. Its own small parser: MultipartKit's traps (an array index out of range) on a
/// header name byte above 0x7F, found by fuzzing, and an upload comes from anyone.
///
///     if let boundary = Multipart.boundary(of: contentType) { let fields = try Multipart.fields(body, boundary: boundary) }
public enum Multipart {
    /// Header lines and bytes a part may have before its content.
    static let maxHeaderLines = 64
    static let maxHeaderBytes = 16 << 10

    /// The boundary of a `multipart/form-data` content type, or `nil` for any other type.
    public static func boundary(of contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count)
            return String(value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? value.dropFirst().dropLast() : value)
        }
        return nil
    }

    /// The fields of `body`; a malformed part throws ``ServeError/badRequest(_:)``. Text before
    /// the first boundary is ignored (RFC 2046's preamble), and so is a last part that the body
    /// cuts short.
    public static func fields(_ body: ByteBuffer, boundary: String) throws -> [String: Data] {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw ServeError.badRequest("malformed multipart body: a boundary of 1 to 200 bytes")
        }
        var fields: [String: Data] = [:]
        // The first delimiter may open the body without its CRLF.
        var position: Int
        if bytes.starts(with: delimiter.dropFirst(2)) {
            position = delimiter.count - 2
        } else if let found = find(delimiter, in: bytes, from: 0) {
            position = found + delimiter.count
        } else {
            return [:]
        }
        while true {
            // After a delimiter: "--" ends the body; otherwise optional blanks, then CRLF.
            if bytes[position...].starts(with: [0x2D, 0x2D]) { return fields }
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            guard bytes[position...].starts(with: [0x0D, 0x0A]) else {
                if position >= bytes.count - 1 { return fields }
                throw ServeError.badRequest("malformed multipart body: a boundary line with more after it")
            }
            position += 2
            guard let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: bytes, from: position - 2) else { return fields }
            guard headerEnd - position <= maxHeaderBytes else {
                throw ServeError.badRequest("malformed multipart body: a part's headers are over \(maxHeaderBytes) bytes")
            }
            let name = try fieldName(headers: bytes[position..<max(position, headerEnd)])
            let start = headerEnd + 4
            guard let end = find(delimiter, in: bytes, from: start) else { return fields }
            if let name, fields[name] == nil { fields[name] = Data(bytes[start..<end]) }
            position = end + delimiter.count
        }
    }

    /// The `name` of a part's `Content-Disposition: form-data` header, if it has one.
    static func fieldName(headers: ArraySlice<UInt8>) throws -> String? {
        let lines = headers.split(separator: [0x0D, 0x0A], omittingEmptySubsequences: true)
        guard lines.count <= maxHeaderLines else {
            throw ServeError.badRequest("malformed multipart body: more than \(maxHeaderLines) header lines")
        }
        var name: String?
        for line in lines {
            guard let colon = line.firstIndex(of: 0x3A) else {
                throw ServeError.badRequest("malformed multipart body: a header line without ':'")
            }
            let key = line[line.startIndex..<colon]
            guard !key.isEmpty, key.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ServeError.badRequest("malformed multipart body: a header name that is not a token")
            }
            guard String(decoding: key, as: UTF8.self).lowercased() == "content-disposition" else { continue }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
            name = parameter("name", in: value)
        }
        return name
    }

    /// A parameter of a header value such as `form-data; name="image"; filename="a.jpg"`: a
    /// quoted string (with backslash escapes) or a token.
    static func parameter(_ wanted: String, in value: String) -> String? {
        var rest = Substring(value)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop(while: { $0 == " " || $0 == "\t" })
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            var parsed = ""
            if rest.first == "\"" {
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex, rest[index] != "\"" {
                    if rest[index] == "\\", rest.index(after: index) < rest.endIndex { index = rest.index(after: index) }
                    parsed.append(rest[index])
                    index = rest.index(after: index)
                }
                rest = index < rest.endIndex ? rest[rest.index(after: index)...] : rest[rest.endIndex...]
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parsed = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            if key == wanted { return parsed }
        }
        return nil
    }

    /// The index where `needle` first occurs in `bytes` at or after `from`.
    static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, from >= 0, needle.count <= bytes.count else { return nil }
        var index = from
        let last = bytes.count - needle.count
        while index <= last {
            guard let hit = bytes[index...last].firstIndex(of: first) else { return nil }
            if bytes[hit..<(hit + needle.count)].elementsEqual(needle) { return hit }
            index = hit + 1
        }
        return nil
    }
}
