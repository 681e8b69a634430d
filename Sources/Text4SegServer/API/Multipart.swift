import Foundation
import MultipartKit
import NIOCore

/// The fields of a `multipart/form-data` body by name; a field given twice keeps its first value.
///
///     if let boundary = Multipart.boundary(of: contentType) { let fields = try Multipart.fields(body, boundary: boundary) }
public enum Multipart {
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

    /// The fields of `body`; a malformed body throws ``ServeError/badRequest(_:)``.
    public static func fields(_ body: ByteBuffer, boundary: String) throws -> [String: Data] {
        let parser = MultipartParser(boundary: boundary)
        var fields: [String: Data] = [:]
        var part = MultipartPart(body: ByteBuffer())
        parser.onHeader = { name, value in part.headers.add(name: name, value: value) }
        parser.onBody = { chunk in part.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            if let name = part.name, fields[name] == nil { fields[name] = Data(part.body.readableBytesView) }
            part = MultipartPart(body: ByteBuffer())
        }
        do {
            try parser.execute(body)
        } catch {
            throw ServeError.badRequest("malformed multipart body: \(error)")
        }
        return fields
    }
}
