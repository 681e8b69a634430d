import Foundation

/// A label map as NumPy's `.npy` (format 1.0): shape `(height, width)`, C order, `|u1` when
/// every value fits in 8 bits, else `<u2`, so that `np.load("x.npy")` gives the label values.
///
///     try AtomicFile.write(LabelMapNPY.encode(map), to: "out/a.npy")
///     let back = try LabelMapNPY.decode(data, path: "out/a.npy")
public enum LabelMapNPY {
    /// The `.npy` bytes of `map`.
    public static func encode(_ map: LabelMap) -> Data {
        let wide = map.maxValue > 255
        var data = NPYHeader.encode(descr: wide ? "<u2" : "|u1", shape: [map.height, map.width])
        if wide {
            var bytes = [UInt8](repeating: 0, count: map.values.count * 2)
            for (i, value) in map.values.enumerated() {
                bytes[2 * i] = UInt8(value & 0xff)
                bytes[2 * i + 1] = UInt8(value >> 8)
            }
            data.append(contentsOf: bytes)
        } else {
            data.append(contentsOf: map.values.map { UInt8(truncatingIfNeeded: $0) })
        }
        return data
    }

    /// The label map in `data`: a 2-D `|u1`, `<u2` (or `|b1`) array in C order, the declared
    /// size within `maxPixels` and the data exactly as long as the shape says. Anything else
    /// throws ``ImageError``.
    public static func decode(_ data: Data, path: String = "<memory>", maxPixels: Int = Limits.defaultMaxPixels) throws -> LabelMap {
        func bad(_ reason: String) -> ImageError { ImageError.notALabelMap(path: path, reason: ".npy: \(reason)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw bad("no NPY magic") }
        let major = bytes[6]
        let (lengthSize, start): (Int, Int) = major == 1 ? (2, 10) : (4, 12)
        guard major == 1 || major == 2 || major == 3, bytes.count >= start else { throw bad("version \(major)") }
        var length = 0
        for k in (0..<lengthSize).reversed() { length = length << 8 | Int(bytes[8 + k]) }
        guard length <= 65_536, start + length <= bytes.count,
            let dict = String(bytes: bytes[start..<(start + length)], encoding: .utf8)
        else { throw bad("header length \(length)") }
        let descr = field("descr", in: dict)
        let width: Int
        guard field("fortran_order", in: dict) == "False" else { throw bad("Fortran order") }
        guard let shapeText = field("shape", in: dict) else { throw bad("no shape") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        guard dims.count == 2, let height = Int(dims[0]), let w = Int(dims[1]), height > 0, w > 0 else {
            throw bad("shape \(shapeText), expected (height, width)")
        }
        width = w
        guard height <= maxPixels / width else {
            throw ImageError.tooLarge(path: path, width: width, height: height, limit: maxPixels)
        }
        let count = width * height, body = bytes[(start + length)...]
        switch descr {
        case "|u1", "<u1", "|b1":
            guard body.count == count else { throw bad("\(body.count) data bytes for \(count) values") }
            return LabelMap(width: width, height: height, values: body.map(UInt16.init))
        case "<u2":
            guard body.count == count * 2 else { throw bad("\(body.count) data bytes for \(count) values") }
            var values = [UInt16](repeating: 0, count: count)
            var index = body.startIndex
            for i in 0..<count {
                values[i] = UInt16(body[index]) | UInt16(body[index + 1]) << 8
                index += 2
            }
            return LabelMap(width: width, height: height, values: values)
        default:
            throw bad("dtype \(descr ?? "?"), expected |u1 or <u2")
        }
    }

    /// The text after `'key':` up to the next top-level comma (a shape's parentheses kept whole).
    static func field(_ key: String, in dict: String) -> String? {
        guard let range = dict.range(of: "'\(key)':") else { return nil }
        var depth = 0, value = ""
        for character in dict[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if depth == 0 && (character == "," || character == "}") { break }
            value.append(character)
        }
        return value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
    }
}
