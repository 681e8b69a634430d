import CImageCodecs
import Foundation

/// PNG reading and writing through libpng.
public enum PNGCodec {
    /// Samples of a decoded PNG, as stored in the file.
    public struct Decoded: Sendable {
        public var width: Int
        public var height: Int
        public var colorType: Int
        public var bitDepth: Int
        public var channels: Int
        /// One value a sample (16-bit files keep their full range).
        public var samples: [UInt16]
        public var palette: [RGBColor]
    }

    /// Decodes a PNG; one whose header declares more than `maxPixels` pixels is refused before decoding.
    public static func decode(_ data: Data, path: String = "<memory>", maxPixels: Int = Limits.defaultMaxPixels) throws -> Decoded {
        var image = t4s_png_image()
        let status = data.withUnsafeBytes { raw -> Int32 in
            t4s_png_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, UInt64(maxPixels.clamped(to: Limits.maxPixels)), &image)
        }
        defer { t4s_free(image.pixels) }
        if status == T4S_TOO_LARGE {
            throw ImageError.tooLarge(path: path, width: Int(image.width), height: Int(image.height), limit: maxPixels)
        }
        guard status == 0 else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if message.contains("truncated") || message.contains("end of file") || message.contains("Read Error") {
                throw ImageError.truncated(path: path)
            }
            throw ImageError.corrupt(path: path, reason: message)
        }
        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        let count = width * height * channels
        var samples = [UInt16](repeating: 0, count: count)
        samples.withUnsafeMutableBufferPointer { out in
            if image.sample_bytes == 2 {
                image.pixels.withMemoryRebound(to: UInt16.self, capacity: count) { input in
                    for i in 0..<count { out[i] = input[i] }
                }
            } else {
                for i in 0..<count { out[i] = UInt16(image.pixels[i]) }
            }
        }
        var palette: [RGBColor] = []
        withUnsafeBytes(of: image.palette) { bytes in
            for i in 0..<Int(image.palette_count) {
                palette.append(RGBColor(bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]))
            }
        }
        return Decoded(
            width: width, height: height, colorType: Int(image.color_type), bitDepth: Int(image.bit_depth),
            channels: channels, samples: samples, palette: palette)
    }

    /// Reads a label map: a palette PNG (its indices) or a single-channel gray PNG (its values).
    public static func readLabelMap(_ data: Data, path: String = "<memory>", maxPixels: Int = Limits.defaultMaxPixels) throws -> LabelMap {
        let decoded = try decode(data, path: path, maxPixels: maxPixels)
        guard decoded.channels == 1 else {
            throw ImageError.notALabelMap(path: path, reason: "PNG has \(decoded.channels) channels; expected palette or gray")
        }
        return LabelMap(width: decoded.width, height: decoded.height, values: decoded.samples)
    }

    /// Reads a PNG as RGB (gray is replicated, alpha dropped, palettes expanded).
    public static func readRGB(_ data: Data, path: String = "<memory>", maxPixels: Int = Limits.defaultMaxPixels) throws -> RGBImage {
        let d = try decode(data, path: path, maxPixels: maxPixels)
        let n = d.width * d.height
        var pixels = [UInt8](repeating: 0, count: n * 3)
        let shift = d.bitDepth == 16 ? 8 : 0
        for i in 0..<n {
            switch d.colorType {
            case 3:
                let index = Int(d.samples[i])
                let color = index < d.palette.count ? d.palette[index] : RGBColor(0, 0, 0)
                pixels[3 * i] = color.red
                pixels[3 * i + 1] = color.green
                pixels[3 * i + 2] = color.blue
            case 0, 4:
                var v = d.samples[i * d.channels] >> shift
                if d.bitDepth < 8 { v = v * 255 / UInt16((1 << d.bitDepth) - 1) }
                pixels[3 * i] = UInt8(v)
                pixels[3 * i + 1] = UInt8(v)
                pixels[3 * i + 2] = UInt8(v)
            default:
                for c in 0..<3 { pixels[3 * i + c] = UInt8(d.samples[i * d.channels + c] >> shift) }
            }
        }
        return RGBImage(width: d.width, height: d.height, pixels: pixels)
    }

    /// Encodes a label map: an 8-bit palette PNG (color type 3 with PLTE) when
    /// every value fits in 8 bits, else a 16-bit gray PNG.
    public static func encodeLabelMap(_ map: LabelMap, palette: [RGBColor], forceSixteenBits: Bool = false) throws -> Data {
        if forceSixteenBits || map.maxValue > 255 {
            var bytes = [UInt8](repeating: 0, count: map.values.count * 2)
            bytes.withUnsafeMutableBytes { raw in
                let out = raw.bindMemory(to: UInt16.self)
                for i in 0..<map.values.count { out[i] = map.values[i] }
            }
            return try encode(bytes, width: map.width, height: map.height, colorType: 0, bitDepth: 16, palette: [])
        }
        let bytes = map.values.map { UInt8(truncatingIfNeeded: $0) }
        return try encode(bytes, width: map.width, height: map.height, colorType: 3, bitDepth: 8, palette: palette)
    }

    /// Encodes an 8-bit gray image (a binary mask as 0 and 255).
    public static func encodeGray(_ bytes: [UInt8], width: Int, height: Int) throws -> Data {
        try encode(bytes, width: width, height: height, colorType: 0, bitDepth: 8, palette: [])
    }

    /// Encodes RGB8. `level` is zlib's 0–9: lower is faster and larger, the pixels are the same.
    public static func encodeRGB(_ image: RGBImage, level: Int = 6) throws -> Data {
        try encode(
            image.pixels, width: image.width, height: image.height, colorType: 2, bitDepth: 8, palette: [],
            level: Int32(max(0, min(9, level))))
    }

    static func encode(
        _ bytes: [UInt8], width: Int, height: Int, colorType: Int32, bitDepth: Int32, palette: [RGBColor], level: Int32 = 6
    ) throws -> Data {
        var flat: [UInt8] = []
        flat.reserveCapacity(palette.count * 3)
        for color in palette { flat += [color.red, color.green, color.blue] }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(T4S_MESSAGE_SIZE))
        let status = bytes.withUnsafeBufferPointer { pixels in
            flat.withUnsafeBufferPointer { pal in
                t4s_png_encode(
                    pixels.baseAddress, UInt32(width), UInt32(height), colorType, bitDepth,
                    pal.baseAddress, Int32(palette.count), level, &output, &size, &message)
            }
        }
        defer { t4s_free(output) }
        guard status == 0, let output else {
            throw ImageError.encodingFailed(
                path: "<png>", reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return Data(bytes: output, count: size)
    }
}
