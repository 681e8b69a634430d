import Foundation

/// An image file's format, told by its first bytes (never by its name).
public enum ImageFormat: Sendable, Equatable {
    case jpeg, png, webp, tiff
    /// Something text4seg does not read, with the format it looks like when that is easy to tell (for the error message).
    case other(looksLike: String?)

    /// Looks at the first bytes: JPEG `FF D8 FF`, PNG `89 50 4E 47`, WebP `RIFF....WEBP`, TIFF `II*\0` or `MM\0*`.
    public init(sniffing data: Data) {
        let head = [UInt8](data.prefix(16))
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes
        }
        func starts(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }
        if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts([0x89, 0x50, 0x4E, 0x47]) {
            self = .png
        } else if starts("RIFF") && starts("WEBP", at: 8) {
            self = .webp
        } else if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            self = .tiff
        } else if starts("GIF8") {
            self = .other(looksLike: "GIF")
        } else if starts("BM") && data.count >= 26 {
            self = .other(looksLike: "BMP")
        } else if starts("ftyp", at: 4), head.count >= 12 {
            // ISO media files: the brand after `ftyp` says which.
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            switch brand {
            case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1": self = .other(looksLike: "HEIC/HEIF")
            case "avif", "avis": self = .other(looksLike: "AVIF")
            default: self = .other(looksLike: nil)
            }
        } else if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            self = .other(looksLike: "JPEG XL")
        } else if starts("%PDF") {
            self = .other(looksLike: "PDF")
        } else {
            self = .other(looksLike: nil)
        }
    }
}
