/// The tags of an XML document as a labeling config uses them: element names and attributes,
/// in order, with end tags. Text, comments, processing instructions and CDATA are skipped;
/// a DTD (`<!DOCTYPE`, `<!ENTITY`) is refused, so no entity is ever expanded; attribute values
/// keep XML's five named entities and numeric character references, nothing else. It exists
/// because FoundationXML's parser crashes on some malformed documents (found by fuzzing), and a
/// labeling config comes from whoever can reach `/predict`.
///
///     try TagScanner.scan(#"<View><Label value="a &amp; b"/></View>"#) { name, attributes, closing in … }
enum TagScanner {
    struct Failure: Error {
        var reason: String
    }

    /// Calls `element` for each start tag (`closing` false) and end tag (`closing` true); a
    /// self-closing tag gives both.
    static func scan(_ text: String, element: (String, [String: String], _ closing: Bool) -> Void) throws {
        let bytes = Array(text.utf8)
        var i = 0
        var depth = 0
        func fail(_ reason: String) -> Failure { Failure(reason: "\(reason) at byte \(i)") }
        func skip(past terminator: [UInt8]) throws {
            while i + terminator.count <= bytes.count {
                if bytes[i..<(i + terminator.count)].elementsEqual(terminator) {
                    i += terminator.count
                    return
                }
                i += 1
            }
            throw fail("an unterminated construct")
        }
        func starts(_ prefix: String) -> Bool {
            let p = Array(prefix.utf8)
            return i + p.count <= bytes.count && bytes[i..<(i + p.count)].elementsEqual(p)
        }
        func isNameByte(_ b: UInt8) -> Bool {
            b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
                || b == 0x2E || b == 0x3A
        }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func name() throws -> String {
            let start = i
            while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
            guard i > start else { throw fail("a tag or attribute without a name") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        while i < bytes.count {
            guard bytes[i] == 0x3C else {  // text between tags
                i += 1
                continue
            }
            if starts("<!--") {
                i += 4
                try skip(past: Array("-->".utf8))
            } else if starts("<![CDATA[") {
                i += 9
                try skip(past: Array("]]>".utf8))
            } else if starts("<?") {
                i += 2
                try skip(past: Array("?>".utf8))
            } else if starts("<!") {
                throw fail("a document type declaration (<!DOCTYPE or <!ENTITY), which a labeling config has no use for")
            } else if starts("</") {
                i += 2
                let tag = try name()
                while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                guard i < bytes.count, bytes[i] == 0x3E else { throw fail("an end tag without >") }
                i += 1
                depth -= 1
                guard depth >= 0 else { throw fail("an end tag with no start") }
                element(tag, [:], true)
            } else {
                i += 1
                let tag = try name()
                var attributes: [String: String] = [:]
                while true {
                    while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                    guard i < bytes.count else { throw fail("a tag without >") }
                    if bytes[i] == 0x3E {
                        i += 1
                        depth += 1
                        guard depth <= 1000 else { throw fail("elements nested more than 1000 deep") }
                        element(tag, attributes, false)
                        break
                    }
                    if starts("/>") {
                        i += 2
                        element(tag, attributes, false)
                        element(tag, [:], true)
                        break
                    }
                    let key = try name()
                    while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                    guard i < bytes.count, bytes[i] == 0x3D else { throw fail("attribute \(key) without =") }
                    i += 1
                    while i < bytes.count, isSpace(bytes[i]) { i += 1 }
                    guard i < bytes.count, bytes[i] == 0x22 || bytes[i] == 0x27 else { throw fail("attribute \(key) without quotes") }
                    let quote = bytes[i]
                    i += 1
                    let start = i
                    while i < bytes.count, bytes[i] != quote {
                        guard bytes[i] != 0x3C else { throw fail("< inside attribute \(key)") }
                        i += 1
                    }
                    guard i < bytes.count else { throw fail("attribute \(key) without its closing quote") }
                    attributes[key] = try unescaped(String(decoding: bytes[start..<i], as: UTF8.self), at: start)
                    i += 1
                }
            }
        }
        guard depth == 0 else { throw fail("\(depth) elements not closed") }
    }

    /// An attribute value with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and `&#…;` replaced.
    static func unescaped(_ value: String, at offset: Int) throws -> String {
        guard value.contains("&") else { return value }
        var result = ""
        var rest = Substring(value)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semicolon) <= 12 else {
                throw Failure(reason: "a bare & in an attribute at byte \(offset)")
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let hex = entity.hasPrefix("#x") || entity.hasPrefix("#X")
                let digits = entity.dropFirst(hex ? 2 : 1)
                guard entity.hasPrefix("#"), let code = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(code) else {
                    throw Failure(reason: "the entity &\(entity.prefix(12)); in an attribute at byte \(offset) (only XML's own are read)")
                }
                result.unicodeScalars.append(scalar)
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
