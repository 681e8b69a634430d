import Foundation

/// NumPy's `.npy` preamble (format 1.0), shared by the score maps and `.npy` label maps.
enum NPYHeader {
    /// Magic, version, header length, and the header dict (`descr`, C order, `shape`) padded
    /// with spaces so that the data starts 64-byte aligned.
    static func encode(descr: String, shape: [Int]) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        return data
    }
}
